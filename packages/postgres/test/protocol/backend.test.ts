import { describe, expect, it } from 'vitest';
import { MessageFramer, parseBackendMessage, ProtocolError } from '../../src/index';
import type { BackendMessage } from '../../src/index';
import { everySplit, hex } from '@postern/testing/bytes';
import { backend } from './samples';

function parseOne(bytes: Buffer): BackendMessage {
  const framer = new MessageFramer();
  framer.push(bytes);
  return parseBackendMessage(framer.next()!);
}

describe('parseBackendMessage', () => {
  it('reads the Authentication variants', () => {
    expect(parseOne(backend.authenticationOk)).toEqual({ type: 'authentication', method: 'ok', code: 0 });
    expect(parseOne(backend.authenticationSasl)).toEqual({
      type: 'authentication',
      method: 'sasl',
      code: 10,
      mechanisms: ['SCRAM-SHA-256'],
    });
    expect(parseOne(backend.authenticationMd5)).toEqual({ type: 'authentication', method: 'md5Password', code: 5 });
    expect(parseOne(hex('52 00000008 00000003'))).toMatchObject({ method: 'cleartextPassword' });
    expect(parseOne(hex('52 00000008 00000063'))).toMatchObject({ method: 'unknown', code: 99 });
  });

  it('reads ParameterStatus, BackendKeyData (unsigned), ReadyForQuery and CommandComplete', () => {
    expect(parseOne(backend.parameterStatus)).toEqual({ type: 'parameterStatus', name: 'client_encoding', value: 'UTF8' });
    expect(parseOne(backend.backendKeyData)).toEqual({ type: 'backendKeyData', pid: 1234, key: 0xdeadbeef });
    expect(parseOne(backend.readyForQuery)).toEqual({ type: 'readyForQuery', status: 'I' });
    expect(parseOne(backend.commandComplete)).toEqual({ type: 'commandComplete', tag: 'SELECT 1' });
  });

  it('reads ErrorResponse and NoticeResponse fields', () => {
    expect(parseOne(backend.errorResponse)).toEqual({
      type: 'errorResponse',
      notice: { severity: 'FATAL', code: '28000', message: 'no', fields: { S: 'FATAL', C: '28000', M: 'no' } },
    });
    expect(parseOne(backend.noticeResponse)).toEqual({
      type: 'noticeResponse',
      notice: { severity: 'NOTICE', code: '00000', message: 'x', hint: 'h', fields: { S: 'NOTICE', C: '00000', M: 'x', H: 'h' } },
    });
  });

  it('prefers the non-localized severity', () => {
    // 'E', 4 + 8 (S "FEHLER") + 7 (V "ERROR") + 1 = 20
    const message = parseOne(hex('45 00000014 53 4645484c455200 56 4552524f5200 00'));
    expect(message).toMatchObject({ notice: { severity: 'ERROR' } });
  });

  it('reads NegotiateProtocolVersion', () => {
    expect(parseOne(backend.negotiateProtocolVersion)).toEqual({ type: 'negotiateProtocolVersion', newestMinor: 0, unrecognized: ['_pq_.x'] });
  });

  it('returns other messages as unknown', () => {
    expect(parseOne(backend.dataRow)).toEqual({ type: 'unknown', code: 0x44, body: hex('0001 00000001 31') });
  });

  it('parses the same at every split of the whole stream', () => {
    const messages = Object.values(backend);
    const expected = messages.map(parseOne);
    for (const [head, tail] of everySplit(Buffer.concat(messages))) {
      const framer = new MessageFramer();
      const parsed: BackendMessage[] = [];
      for (const part of [head, tail]) {
        framer.push(part);
        for (let f = framer.next(); f; f = framer.next()) parsed.push(parseBackendMessage(f));
      }
      expect(parsed).toEqual(expected);
    }
  });

  it('reports malformed messages as ProtocolError', () => {
    const cases = [
      hex('4b 00000008 000004d2'), // BackendKeyData without a key
      hex('45 00000007 53 4100'), // ErrorResponse without the closing NUL
      hex('52 00000006 0000'), // Authentication without a code
      hex('76 0000000c 00000000 7fffffff'), // NegotiateProtocolVersion claiming 2^31 options
    ];
    for (const bytes of cases) expect(() => parseOne(bytes), bytes.toString('hex')).toThrow(ProtocolError);
  });
});
