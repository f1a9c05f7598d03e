import { BufferReader } from '../buffer-reader';
import { BufferWriter } from '../buffer-writer';
import { Capability } from '../constants';
import { ProtocolError } from '../errors';

/** The server's greeting, the first packet on every connection. */
export interface HandshakeV10 {
  serverVersion: string;
  connectionId: number;
  /** The scramble (nonce) for password plugins, usually 20 bytes; without the trailing NUL. */
  authPluginData: Buffer;
  capabilities: number;
  /** The server's default collation id. */
  characterSet: number;
  statusFlags: number;
  authPluginName: string;
  /** MariaDB's extended capabilities, present when the server clears LongPassword ("CLIENT_MYSQL"); else 0. */
  mariadbCapabilities: number;
}

const PROTOCOL_VERSION = 10;
/** The scramble's first part has a fixed size; the rest follows the reserved bytes. */
const PART1_LENGTH = 8;
/** The second part is at least 13 bytes, its trailing NUL included. */
const MIN_PART2_LENGTH = 13;

export function parseHandshakeV10(payload: Buffer): HandshakeV10 {
  const r = new BufferReader(payload, 'the server greeting (HandshakeV10)');
  const version = r.u8();
  if (version !== PROTOCOL_VERSION) throw new ProtocolError(`the server greeting has protocol version ${version}, not ${PROTOCOL_VERSION}`);
  const serverVersion = r.cstring();
  const connectionId = r.u32();
  const part1 = r.bytes(PART1_LENGTH);
  r.skip(1);
  let capabilities = r.u16();
  const characterSet = r.u8();
  const statusFlags = r.u16();
  capabilities = (capabilities | (r.u16() << 16)) >>> 0;
  const authDataLength = r.u8();
  r.skip(6);
  const extended = r.u32();
  const mariadbCapabilities = capabilities & Capability.LongPassword ? 0 : extended;
  let part2: Buffer = Buffer.alloc(0);
  if (capabilities & Capability.SecureConnection) {
    part2 = r.bytes(Math.min(r.remaining, Math.max(MIN_PART2_LENGTH, authDataLength - PART1_LENGTH)));
    if (part2[part2.length - 1] === 0) part2 = part2.subarray(0, part2.length - 1);
  }
  const authPluginName = capabilities & Capability.PluginAuth && r.remaining > 0 ? r.cstringOrRest() : '';
  return {
    serverVersion,
    connectionId,
    authPluginData: Buffer.concat([part1, part2]),
    capabilities,
    characterSet,
    statusFlags,
    authPluginName,
    mariadbCapabilities,
  };
}

export function buildHandshakeV10(h: HandshakeV10): Buffer {
  if (h.authPluginData.length < PART1_LENGTH) throw new RangeError('the scramble must be at least 8 bytes');
  const part2 = h.authPluginData.subarray(PART1_LENGTH);
  const w = new BufferWriter(128)
    .u8(PROTOCOL_VERSION)
    .cstring(h.serverVersion)
    .u32(h.connectionId)
    .bytes(h.authPluginData.subarray(0, PART1_LENGTH))
    .u8(0)
    .u16(h.capabilities & 0xffff)
    .u8(h.characterSet)
    .u16(h.statusFlags)
    .u16(h.capabilities >>> 16)
    .u8(h.capabilities & Capability.PluginAuth ? h.authPluginData.length + 1 : 0)
    .zeros(6)
    .u32(h.capabilities & Capability.LongPassword ? 0 : h.mariadbCapabilities);
  if (h.capabilities & Capability.SecureConnection) {
    w.bytes(part2).zeros(Math.max(1, MIN_PART2_LENGTH - part2.length));
  }
  if (h.capabilities & Capability.PluginAuth) w.cstring(h.authPluginName);
  return w.payload();
}
