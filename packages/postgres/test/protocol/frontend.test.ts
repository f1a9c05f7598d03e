import { describe, expect, it } from 'vitest';
import { describeWireValues, MAX_PARAMETER_TEXT, MessageFramer, parseFrontendMessage, ProtocolError } from '../../src/index';
import type { FrontendMessage } from '../../src/index';
import { everySplit, hex } from '@postern/testing/bytes';
import { frontend } from './samples';

function parseOne(bytes: Buffer): FrontendMessage {
  const framer = new MessageFramer();
  framer.push(bytes);
  const frame = framer.next();
  if (!frame) throw new Error('incomplete sample');
  expect(framer.next()).toBeUndefined();
  return parseFrontendMessage(frame);
}

describe('parseFrontendMessage', () => {
  it('reads Query', () => {
    expect(parseOne(frontend.query)).toEqual({ type: 'query', sql: 'select 1' });
  });

  it('reads Parse with its parameter type oids', () => {
    expect(parseOne(frontend.parse)).toEqual({ type: 'parse', statement: 's1', sql: 'select $1', parameterTypes: [23] });
  });

  it('reads Bind with text, binary and NULL values and their format codes', () => {
    const bind = parseOne(frontend.bind);
    expect(bind).toEqual({
      type: 'bind',
      portal: '',
      statement: 's1',
      parameterFormats: [0, 1, 0],
      parameters: [Buffer.from('42'), hex('00ff'), null],
      resultFormats: [1],
    });
    if (bind.type !== 'bind') throw new Error('not a bind');
    expect(describeWireValues(bind.parameters, bind.parameterFormats)).toEqual(['42', '\\x00ff', 'NULL']);
  });

  it('reads Execute, Close and Describe', () => {
    expect(parseOne(frontend.execute)).toEqual({ type: 'execute', portal: '', maxRows: 0 });
    expect(parseOne(frontend.closeStatement)).toEqual({ type: 'close', target: 'statement', name: 's1' });
    expect(parseOne(frontend.describePortal)).toEqual({ type: 'describe', target: 'portal', name: '' });
  });

  it('reads the bodiless messages', () => {
    expect(parseOne(frontend.sync)).toEqual({ type: 'sync' });
    expect(parseOne(frontend.flush)).toEqual({ type: 'flush' });
    expect(parseOne(frontend.terminate)).toEqual({ type: 'terminate' });
    expect(parseOne(frontend.copyDone)).toEqual({ type: 'copyDone' });
  });

  it('reads FunctionCall', () => {
    expect(parseOne(frontend.functionCall)).toEqual({
      type: 'functionCall',
      oid: 1598,
      argumentFormats: [0],
      arguments: [Buffer.from('7')],
      resultFormat: 0,
    });
  });

  it('passes COPY data through untouched', () => {
    expect(parseOne(frontend.copyData)).toEqual({ type: 'copyData', data: Buffer.from('1\t2\n') });
    expect(parseOne(frontend.copyFail)).toEqual({ type: 'copyFail', message: 'oops' });
  });

  it('keeps unknown messages with their bytes', () => {
    expect(parseOne(frontend.unknown)).toEqual({ type: 'unknown', code: 0x70, body: hex('7800') });
  });

  it('parses the same at every split of a stream of all messages', () => {
    const messages = Object.values(frontend);
    const expected = messages.map(parseOne);
    const stream = Buffer.concat(messages);
    for (const [head, tail] of everySplit(stream)) {
      const framer = new MessageFramer();
      const parsed: FrontendMessage[] = [];
      for (const part of [head, tail]) {
        framer.push(part);
        for (let f = framer.next(); f; f = framer.next()) parsed.push(parseFrontendMessage(f));
      }
      expect(parsed).toEqual(expected);
    }
  });

  it('reports truncated and malformed messages as ProtocolError', () => {
    const cases = [
      hex('51 00000008 61626364'), // Query without its NUL
      hex('42 00000026 00 733100 0003 0000 0001 0000 0003 00000002 3432 00000002 00ff ffffffff 0001'), // Bind cut short (length patched below)
      hex('45 00000006 00 00'), // Execute without max rows
      hex('43 00000006 5a 00'), // Close with target 'Z'
      hex('42 0000000e 00 00 0000 0001 fffffffe'), // Bind value length -2
      hex('46 00000008 00000001'), // FunctionCall without formats
    ];
    // The second sample declares more than it carries; fix its length to what is there.
    cases[1]!.writeInt32BE(cases[1]!.length - 1, 1);
    for (const bytes of cases) {
      const framer = new MessageFramer();
      framer.push(bytes);
      const frame = framer.next()!;
      expect(frame, bytes.toString('hex')).toBeDefined();
      expect(() => parseFrontendMessage(frame), bytes.toString('hex')).toThrow(ProtocolError);
    }
  });
});

describe('describeWireValues', () => {
  it('applies one format code to every value, and none means text', () => {
    const values = [Buffer.from('a'), Buffer.from([1])];
    expect(describeWireValues(values, [])).toEqual(['a', '\u0001']);
    expect(describeWireValues(values, [1])).toEqual(['\\x61', '\\x01']);
  });

  it('decodes text as UTF-8 and never throws on invalid sequences', () => {
    expect(describeWireValues([Buffer.from('héllo ✓')], [0])).toEqual(['héllo ✓']);
    expect(describeWireValues([hex('ff fe')], [0])).toEqual(['\uFFFD\uFFFD']);
  });

  it('cuts huge values and says how big they were', () => {
    const big = Buffer.alloc(MAX_PARAMETER_TEXT * 8, 0x61);
    const [text] = describeWireValues([big], [0]);
    expect(text!.length).toBeLessThan(MAX_PARAMETER_TEXT + 40);
    expect(text).toMatch(new RegExp(`… \\(${big.length} bytes\\)$`));
    const [binary] = describeWireValues([big], [1]);
    expect(binary!.startsWith('\\x6161')).toBe(true);
    expect(binary!.length).toBeLessThan(MAX_PARAMETER_TEXT + 40);
  });
});
