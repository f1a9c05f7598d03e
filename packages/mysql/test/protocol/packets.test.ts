import { describe, expect, it } from 'vitest';
import {
  buildAuthMoreData,
  buildAuthSwitchRequest,
  buildEof,
  buildErr,
  buildHandshakeResponse41,
  buildHandshakeV10,
  buildOk,
  buildSslRequest,
  buildStmtPrepareOk,
  Capability,
  isEofPacket,
  isSslRequest,
  PacketReader,
  parseAuthMoreData,
  parseAuthSwitchRequest,
  parseEof,
  parseErr,
  parseHandshakeResponse41,
  parseHandshakeV10,
  parseOk,
  parseSslRequest,
  parseStmtPrepareOk,
  ProtocolError,
} from '../../src/index';
import { everySplit, hex } from '@postern/testing/bytes';
import { client, packet, server } from './samples';

const P41 = Capability.Protocol41;

describe('HandshakeV10', () => {
  const expected = {
    serverVersion: '5.7.0',
    connectionId: 1,
    authPluginData: Buffer.from('abcdefghijklmnopqrst'),
    capabilities: 0x00088a09,
    characterSet: 33,
    statusFlags: 2,
    authPluginName: 'mysql_native_password',
    mariadbCapabilities: 0,
  };

  it('parses a MySQL greeting, fed through the reader split at every byte', () => {
    const bytes = packet(server.greeting, 0);
    for (const [head, tail] of everySplit(bytes)) {
      const reader = new PacketReader();
      reader.push(head);
      reader.push(tail);
      expect(parseHandshakeV10(reader.next()!.payload)).toEqual(expected);
    }
  });

  it('reads MariaDB extended capabilities only when LongPassword is clear', () => {
    const greeting = parseHandshakeV10(server.mariadbGreeting);
    expect(greeting).toMatchObject({ serverVersion: '10.11.6-MariaDB', connectionId: 42, characterSet: 45, mariadbCapabilities: 0x1d });
    expect(greeting.capabilities & Capability.LongPassword).toBe(0);
  });

  it('builds the same bytes', () => {
    expect(buildHandshakeV10(expected)).toEqual(server.greeting);
    expect(buildHandshakeV10(parseHandshakeV10(server.mariadbGreeting))).toEqual(server.mariadbGreeting);
  });

  it('refuses protocol 9 and a truncated greeting', () => {
    expect(() => parseHandshakeV10(hex('09 352e3000'))).toThrow(/protocol version 9/);
    for (let cut = 1; cut < 30; cut++) expect(() => parseHandshakeV10(server.greeting.subarray(0, cut))).toThrow(ProtocolError);
  });
});

describe('SSLRequest and HandshakeResponse41', () => {
  const request = { capabilities: 0x003a8a09, maxPacketSize: 16 * 1024 * 1024, characterSet: 45, mariadbCapabilities: 0 };

  it('tells an SSLRequest (32 bytes) from a response, and parses it', () => {
    expect(isSslRequest(client.sslRequest)).toBe(true);
    expect(isSslRequest(client.handshakeResponse)).toBe(false);
    expect(parseSslRequest(client.sslRequest)).toEqual(request);
    expect(buildSslRequest(request)).toEqual(client.sslRequest);
    // 32 bytes without CLIENT_SSL are not an SSLRequest a server can act on.
    const noSsl = Buffer.from(client.sslRequest);
    noSsl.writeUInt32LE(0x003a8209, 0);
    expect(() => parseSslRequest(noSsl)).toThrow(/without the CLIENT_SSL/);
  });

  const response = {
    ...request,
    user: 'alice',
    authResponse: Buffer.alloc(0),
    database: 'appdb',
    authPluginName: 'mysql_native_password',
    attrs: { _client_name: 'wire' },
  };

  it('parses a response with lenenc auth data, database, plugin and attributes', () => {
    expect(parseHandshakeResponse41(client.handshakeResponse)).toEqual(response);
    expect(buildHandshakeResponse41(response)).toEqual(client.handshakeResponse);
  });

  it('reads the auth data by the flags: lenenc, one length byte, or NUL-terminated', () => {
    const head = (caps: number) => {
      const h = Buffer.from(client.sslRequest);
      h.writeUInt32LE(caps, 0);
      return h;
    };
    const secure = P41 | Capability.SecureConnection;
    // "bob\0", 3 bytes of auth with a length byte, no database, no plugin
    expect(parseHandshakeResponse41(Buffer.concat([head(secure), hex('626f6200 03 010203')]))).toMatchObject({
      user: 'bob',
      authResponse: hex('010203'),
      database: '',
      authPluginName: '',
      attrs: {},
    });
    expect(parseHandshakeResponse41(Buffer.concat([head(P41), hex('626f6200 41424300')]))).toMatchObject({ authResponse: hex('414243') });
    // Optional trailing fields left out although flagged: clients do that.
    const all = secure | Capability.ConnectWithDb | Capability.PluginAuth | Capability.ConnectAttrs;
    expect(parseHandshakeResponse41(Buffer.concat([head(all), hex('626f6200 00')]))).toMatchObject({ database: '', authPluginName: '', attrs: {} });
  });

  it('refuses pre-4.1 clients and cut responses', () => {
    const old = Buffer.from(client.handshakeResponse);
    old.writeUInt32LE(0x8a09 & ~P41, 0);
    expect(() => parseHandshakeResponse41(old)).toThrow(/pre-4\.1/);
    for (let cut = 0; cut < 38; cut++) expect(() => parseHandshakeResponse41(client.handshakeResponse.subarray(0, cut))).toThrow(ProtocolError);
  });

  it('keeps an attribute named __proto__ as data', () => {
    const attrs = hex('0c 095f5f70726f746f5f5f 0178'); // "__proto__" = "x"
    const head = Buffer.from(client.sslRequest);
    head.writeUInt32LE(P41 | Capability.ConnectAttrs | Capability.SecureConnection, 0);
    const parsed = parseHandshakeResponse41(Buffer.concat([head, hex('6100 00'), attrs]));
    expect(Object.keys(parsed.attrs)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(parsed.attrs)).toBe(Object.prototype);
  });
});

describe('OK, ERR and EOF', () => {
  it('parses and builds OK packets, with and without session tracking', () => {
    expect(parseOk(server.ok, P41)).toEqual({ header: 0, affectedRows: 0, lastInsertId: 0, statusFlags: 2, warnings: 0, info: '' });
    const withInfo = { header: 0, affectedRows: 300, lastInsertId: 5, statusFlags: 3, warnings: 1, info: 'hi' };
    expect(parseOk(server.okWithInfo, P41)).toEqual(withInfo);
    expect(buildOk(withInfo, P41)).toEqual(server.okWithInfo);
    // With CLIENT_SESSION_TRACK the info is a length-encoded string.
    const tracked = hex('00 00 00 0200 0000 02 6869');
    expect(parseOk(tracked, P41 | Capability.SessionTrack).info).toBe('hi');
    expect(buildOk({ info: 'hi' }, P41 | Capability.SessionTrack)).toEqual(tracked);
  });

  it("parses and builds ERR packets with the SQLSTATE marker '#'", () => {
    const err = { code: 1045, sqlState: '28000', message: 'denied' };
    expect(parseErr(server.err)).toEqual(err);
    expect(buildErr(err)).toEqual(server.err);
    // Before the handshake is agreed a server may send no SQLSTATE.
    expect(parseErr(hex('ff 1004 546f6f206d616e79'))).toEqual({ code: 1040, sqlState: '', message: 'Too many' });
    expect(() => buildErr({ code: 1, sqlState: '28', message: '' })).toThrow(RangeError);
  });

  it('parses and builds EOF packets, and tells them from long 0xfe packets', () => {
    expect(parseEof(server.eof)).toEqual({ warnings: 0, statusFlags: 2 });
    expect(buildEof()).toEqual(server.eof);
    expect(isEofPacket(server.eof)).toBe(true);
    expect(isEofPacket(Buffer.concat([hex('fe'), Buffer.alloc(9)]))).toBe(false);
  });
});

describe('authentication packets', () => {
  it('parses and builds an AuthSwitchRequest', () => {
    const req = { pluginName: 'mysql_native_password', pluginData: hex('41424300') };
    expect(parseAuthSwitchRequest(server.authSwitch)).toEqual(req);
    expect(buildAuthSwitchRequest(req)).toEqual(server.authSwitch);
    expect(parseAuthSwitchRequest(hex('fe'))).toEqual({ pluginName: 'mysql_old_password', pluginData: Buffer.alloc(0) });
  });

  it('parses and builds AuthMoreData', () => {
    expect(parseAuthMoreData(server.authMoreData)).toEqual({ data: hex('04') });
    expect(buildAuthMoreData({ data: hex('04') })).toEqual(server.authMoreData);
  });

  it('parses and builds COM_STMT_PREPARE_OK', () => {
    const ok = { statementId: 1, columnCount: 1, paramCount: 2, warnings: 0 };
    expect(parseStmtPrepareOk(server.prepareOk)).toEqual(ok);
    expect(buildStmtPrepareOk(ok)).toEqual(server.prepareOk);
    expect(() => parseStmtPrepareOk(server.prepareOk.subarray(0, 8))).toThrow(ProtocolError);
  });
});
