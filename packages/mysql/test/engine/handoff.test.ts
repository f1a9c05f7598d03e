import { describe, expect, it } from 'vitest';
import {
  Capability as C,
  decodeStartup,
  DEFAULT_PROXY_CAPABILITIES,
  encodeStartup,
  proxyCapabilities,
  StartupRecordError,
  upstreamCapabilities,
} from '../../src/index';
import { missingFormatCapabilities } from '../../src/capabilities';

describe('encodeStartup / decodeStartup', () => {
  const startup = {
    user: 'alice',
    database: 'appdb',
    capabilities: (0x80000000 | C.Protocol41) >>> 0,
    charset: 45,
    maxPacket: 0xffffffff,
    attrs: { program_name: 'mysql', __proto__x: 'y' },
    sequenceId: 3,
  };

  it('round-trips through strings, bit 31 and all', () => {
    const record = encodeStartup(startup);
    expect(Object.values(record).every((v) => typeof v === 'string')).toBe(true);
    expect(record['capabilities']).toBe('2147484160');
    expect(decodeStartup(JSON.parse(JSON.stringify(record)) as Record<string, string>)).toEqual(startup);
  });

  it('refuses records it did not make', () => {
    const record = encodeStartup(startup);
    expect(() => decodeStartup({ ...record, capabilities: '-1' })).toThrow(StartupRecordError);
    expect(() => decodeStartup({ ...record, sequence: '256' })).toThrow(/invalid sequence/);
    expect(() => decodeStartup({ ...record, attrs: '[1]' })).toThrow(/not an object/);
    expect(() => decodeStartup({ ...record, attrs: '{"a":1}' })).toThrow(/non-string attribute "a"/);
    const { user: _user, ...noUser } = record;
    expect(() => decodeStartup(noUser)).toThrow(/has no user/);
  });
});

describe('capabilities', () => {
  it('offers a conservative set by default, TLS when it can, and never compression', () => {
    const offered = proxyCapabilities(undefined, true);
    expect(offered & C.Ssl).toBe(C.Ssl);
    expect(offered & (C.Compress | C.DeprecateEof | C.SessionTrack | C.QueryAttributes)).toBe(0);
    expect(proxyCapabilities(DEFAULT_PROXY_CAPABILITIES, false) & C.Ssl).toBe(0);
    // Asked for more than Postern relays: compression and query attributes stay out.
    const asked = proxyCapabilities(0xffffffff, true);
    expect(asked & (C.DeprecateEof | C.SessionTrack)).toBe(C.DeprecateEof | C.SessionTrack);
    expect(asked & (C.Compress | C.QueryAttributes | C.ZstdCompression)).toBe(0);
  });

  it("logs in with the client's flags as far as the database has them", () => {
    const clientFlags = C.Protocol41 | C.SecureConnection | C.MultiStatements | C.LocalFiles | C.Interactive | C.PluginAuth | C.ConnectAttrs | C.Ssl;
    const serverFlags = 0xffffffff & ~C.Interactive & ~C.ConnectAttrs;
    const flags = upstreamCapabilities(clientFlags, serverFlags, 'appdb');
    expect(flags & C.MultiStatements).toBe(C.MultiStatements);
    expect(flags & C.LocalFiles).toBe(C.LocalFiles);
    expect(flags & C.Interactive).toBe(0);
    expect(flags & C.ConnectAttrs).toBe(0);
    expect(flags & (C.ConnectWithDb | C.Ssl | C.PluginAuth)).toBe(C.ConnectWithDb | C.Ssl | C.PluginAuth);
    expect(upstreamCapabilities(clientFlags, serverFlags, '') & C.ConnectWithDb).toBe(0);
  });

  it('names the format flags a database lacks', () => {
    expect(missingFormatCapabilities(C.DeprecateEof | C.SessionTrack, C.SessionTrack)).toBe(C.DeprecateEof);
    expect(missingFormatCapabilities(C.MultiStatements, 0)).toBe(0);
  });
});
