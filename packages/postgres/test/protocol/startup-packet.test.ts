import { describe, expect, it } from 'vitest';
import { MessageFramer, parseStartupPacket, ProtocolError, SqlState } from '../../src/index';
import type { StartupPacket } from '../../src/index';
import { hex } from '@postern/testing/bytes';
import { startup } from './samples';

function parse(bytes: Buffer): StartupPacket {
  const framer = new MessageFramer({ startup: true });
  framer.push(bytes);
  return parseStartupPacket(framer.next()!);
}

function protocolError(bytes: Buffer): ProtocolError {
  try {
    parse(bytes);
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    throw err;
  }
  throw new Error('expected a ProtocolError');
}

describe('parseStartupPacket', () => {
  it('recognises the encryption requests', () => {
    expect(parse(startup.sslRequest)).toEqual({ type: 'sslRequest' });
    expect(parse(startup.gssEncRequest)).toEqual({ type: 'gssEncRequest' });
  });

  it('reads a CancelRequest with unsigned pid and key', () => {
    expect(parse(startup.cancelRequest)).toEqual({ type: 'cancelRequest', pid: 1234, key: 0xdeadbeef });
  });

  it('reads a StartupMessage with its parameters', () => {
    expect(parse(startup.startupMessage)).toEqual({
      type: 'startupMessage',
      majorVersion: 3,
      minorVersion: 0,
      params: { user: 'u', database: 'd' },
    });
  });

  it('keeps the minor version and treats "__proto__" as a plain key', () => {
    // 4 + 4 (3.2) + 12 ("__proto__\0x\0") + 1 = 21
    const packet = parse(hex('00000015 00030002 5f5f70726f746f5f5f00 7800 00'));
    expect(packet).toMatchObject({ minorVersion: 2 });
    if (packet.type !== 'startupMessage') throw new Error('not a startup message');
    expect(Object.keys(packet.params)).toEqual(['__proto__']);
    expect(packet.params['__proto__']).toBe('x');
    expect(Object.getPrototypeOf(packet.params)).toBe(Object.prototype);
  });

  it('refuses protocol 2 and unknown request codes with 0A000', () => {
    const v2 = protocolError(startup.protocol2);
    expect(v2.sqlState).toBe(SqlState.FeatureNotSupported);
    expect(v2.message).toMatch(/unsupported frontend protocol 2\.0/);
    expect(protocolError(hex('00000008 04d21631')).message).toMatch(/unsupported request code 1234\/5681/);
  });

  it('refuses malformed packets with 08P01', () => {
    const cases = [
      hex('0000000c 00030000 7500 7600'), // parameters not terminated
      hex('0000000c 00030000 7500 7600'.replace('7600', '76')), // value without its NUL
      hex('0000000c 04d2162e 000004d2'), // CancelRequest without a key
      hex('0000000d 00030000 00 7800 00'.replace('7800 00', '78')), // bytes after the list
    ];
    for (const bytes of cases) {
      bytes.writeInt32BE(bytes.length, 0);
      expect(protocolError(bytes).sqlState, bytes.toString('hex')).toBe(SqlState.ProtocolViolation);
    }
  });
});
