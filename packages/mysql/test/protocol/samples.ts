import { hex } from '@postern/testing/bytes';

// Hand-assembled payloads (no packet header), shared by the codec tests. Lengths were
// counted by hand; the comments show the sums.

export const server = {
  // 1 (protocol 10) + 6 ("5.7.0\0") + 4 (id 1) + 8 (scramble part 1) + 1 (filler)
  //   + 2 (caps low 0x8a09) + 1 (charset 33) + 2 (status 2) + 2 (caps high 0x0008)
  //   + 1 (21 bytes of auth data) + 10 (reserved) + 13 (part 2 + NUL) + 22 (plugin) = 73
  greeting: hex(
    '0a | 352e372e3000 | 01000000 | 6162636465666768 | 00 | 098a | 21 | 0200 | 0800 | 15 | 00000000000000000000 | 696a6b6c6d6e6f707172737400 | 6d7973716c5f6e61746976655f70617373776f726400',
  ),
  // MariaDB: LongPassword clear, extended capabilities 0x1d in the last 4 reserved bytes;
  // 1 + 16 ("10.11.6-MariaDB\0") + 4 + 8 + 1 + 2 (0x8a08) + 1 + 2 + 2 + 1 + 10 + 13 + 22 = 83
  mariadbGreeting: hex(
    '0a | 31302e31312e362d4d61726961444200 | 2a000000 | 6162636465666768 | 00 | 088a | 2d | 0200 | 0800 | 15 | 000000000000 1d000000 | 696a6b6c6d6e6f707172737400 | 6d7973716c5f6e61746976655f70617373776f726400',
  ),
  ok: hex('00 00 00 0200 0000'),
  // 300 rows (0xfc + 2 bytes), insert id 5, status 3, 1 warning, info "hi"
  okWithInfo: hex('00 fc2c01 05 0300 0100 6869'),
  // 1045, '#', "28000", "denied"
  err: hex('ff 1504 23 3238303030 64656e696564'),
  eof: hex('fe 0000 0200'),
  // 0xfe, "mysql_native_password\0", "ABC\0"
  authSwitch: hex('fe 6d7973716c5f6e61746976655f70617373776f726400 41424300'),
  // caching_sha2_password: perform full authentication
  authMoreData: hex('01 04'),
  // statement 1, 1 column, 2 parameters, filler, no warnings
  prepareOk: hex('00 01000000 0100 0200 00 0000'),
};

export const client = {
  // caps 0x003a8a09 (LongPassword, ConnectWithDb, Protocol41, Ssl, SecureConnection,
  // MultiResults, PluginAuth, ConnectAttrs, PluginAuthLenencClientData), max packet
  // 16 MiB, collation 45, 23 filler bytes = 32
  sslRequest: hex('098a3a00 00000001 2d 0000000000000000000000000000000000000000000000'),
  // The same 32 bytes + 6 ("alice\0") + 1 (empty lenenc auth) + 6 ("appdb\0") + 22 (plugin)
  //   + 19 (attrs: length 18, "_client_name" = "wire") = 86
  handshakeResponse: hex(
    '098a3a00 00000001 2d 0000000000000000000000000000000000000000000000 | 616c69636500 | 00 | 617070646200 | 6d7973716c5f6e61746976655f70617373776f726400 | 12 0c5f636c69656e745f6e616d65 0477697265',
  ),
};

export const commands = {
  query: hex('03 73656c6563742031'), // "select 1"
  initDb: hex('02 6f746865726462'), // "otherdb"
  prepare: hex('16 73656c656374203f202b203f'), // "select ? + ?"
  // statement 1, no cursor, 1 iteration; 2 params: bitmap 00, types bound: LONGLONG, VAR_STRING; 1, "abc"
  execute: hex('17 01000000 00 01000000 | 00 01 0800 fd00 | 0100000000000000 03616263'),
  sendLongData: hex('18 01000000 0100 68656c6c6f'), // parameter 1 of statement 1: "hello"
  close: hex('19 01000000'),
  reset: hex('1a 01000000'),
  changeUser: hex('11 726f6f7400 00 00'), // "root", no password, no database
  quit: hex('01'),
  ping: hex('0e'),
  resetConnection: hex('1f'),
  setOption: hex('1b 0000'), // COM_SET_OPTION: not parsed, kept raw
};

/** A packet on the wire: 3-byte little-endian length, sequence id, payload. */
export function packet(payload: Buffer, sequenceId: number): Buffer {
  const header = Buffer.alloc(4);
  header.writeUIntLE(payload.length, 0, 3);
  header[3] = sequenceId;
  return Buffer.concat([header, payload]);
}
