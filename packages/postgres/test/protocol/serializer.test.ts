import { describe, expect, it } from 'vitest';
import { BufferWriter, serialize } from '../../src/index';
import { hex } from '@postern/testing/bytes';
import { backend, frontend, startup } from './samples';

describe('serialize', () => {
  it('writes a FATAL ErrorResponse with both severity fields', () => {
    // 'E', 4 + 7 (S) + 7 (V) + 7 (C) + 4 (M "no") + 1 = 30
    expect(serialize.errorResponse({ severity: 'FATAL', code: '28000', message: 'no' })).toEqual(
      hex('45 0000001e 53 464154414c00 56 464154414c00 43 323830303000 4d 6e6f00 00'),
    );
  });

  it('adds detail and hint after the message', () => {
    // 30 + 3 (D "d") + 3 (H "h") = 36
    expect(serialize.errorResponse({ severity: 'ERROR', code: '08P01', message: 'no', detail: 'd', hint: 'h' })).toEqual(
      hex('45 00000024 53 4552524f5200 56 4552524f5200 43 303850303100 4d 6e6f00 44 6400 48 6800 00'),
    );
  });

  it('replaces a NUL in a message instead of cutting the message short', () => {
    const bytes = serialize.errorResponse({ severity: 'FATAL', code: '28000', message: 'a\0b' });
    expect(bytes.includes(hex('4d 61efbfbd6200'))).toBe(true);
  });

  it('writes startup-phase packets', () => {
    expect(serialize.startupMessage({ user: 'u', database: 'd' })).toEqual(startup.startupMessage);
    expect(serialize.sslRequest()).toEqual(startup.sslRequest);
    expect(serialize.gssEncRequest()).toEqual(startup.gssEncRequest);
    expect(serialize.cancelRequest(1234, 0xdeadbeef)).toEqual(startup.cancelRequest);
  });

  it('writes the backend messages a startup needs', () => {
    expect(serialize.authenticationOk()).toEqual(backend.authenticationOk);
    expect(serialize.backendKeyData(1234, 0xdeadbeef)).toEqual(backend.backendKeyData);
    expect(serialize.parameterStatus('client_encoding', 'UTF8')).toEqual(backend.parameterStatus);
    expect(serialize.readyForQuery()).toEqual(backend.readyForQuery);
    expect(serialize.readyForQuery('T')).toEqual(hex('5a 00000005 54'));
    expect(serialize.negotiateProtocolVersion(0, ['_pq_.x'])).toEqual(backend.negotiateProtocolVersion);
  });

  it('writes Query and Terminate', () => {
    expect(serialize.query('select 1')).toEqual(frontend.query);
    expect(serialize.terminate()).toEqual(frontend.terminate);
  });

  it('writes long strings past the initial buffer', () => {
    const sql = 'x'.repeat(100_000);
    const bytes = serialize.query(sql);
    expect(bytes.readInt32BE(1)).toBe(4 + 100_001);
    expect(bytes.subarray(5, -1).toString()).toBe(sql);
  });
});

describe('BufferWriter', () => {
  it('refuses a string with a NUL, which would shift every later field', () => {
    expect(() => new BufferWriter().cstring('a\0b')).toThrow(RangeError);
  });

  it('builds typed messages and startup packets with lengths counting themselves', () => {
    expect(new BufferWriter(1).int16(-2).uint32(0xffffffff).message(0x41)).toEqual(hex('41 0000000a fffe ffffffff'));
    expect(new BufferWriter(1).int32(7).packet()).toEqual(hex('00000008 00000007'));
  });
});
