import { BufferReader } from '../buffer-reader';
import { BufferWriter } from '../buffer-writer';
import { Marker } from '../constants';
import { ProtocolError } from '../errors';

// What a server may send between the HandshakeResponse41 and its verdict (OK or ERR).

/** "Authenticate again with this plugin and this scramble." */
export interface AuthSwitchRequest {
  pluginName: string;
  /** The plugin's data, usually a fresh scramble (often NUL-terminated; kept as sent). */
  pluginData: Buffer;
}

/** Plugin-specific data in the middle of an exchange (caching_sha2_password's 0x03 / 0x04). */
export interface AuthMoreData {
  data: Buffer;
}

/** During authentication 0xfe is an AuthSwitchRequest (a bare 0xfe is the pre-4.1 "old password" request). */
export function isAuthSwitchRequest(payload: Buffer): boolean {
  return payload[0] === Marker.Eof;
}

export function isAuthMoreData(payload: Buffer): boolean {
  return payload[0] === Marker.AuthMoreData;
}

export function parseAuthSwitchRequest(payload: Buffer): AuthSwitchRequest {
  const r = new BufferReader(payload, 'AuthSwitchRequest');
  if (r.u8() !== Marker.Eof) throw new ProtocolError('an AuthSwitchRequest must start with 0xfe');
  // The old request carries no name: it means mysql_old_password.
  if (r.remaining === 0) return { pluginName: 'mysql_old_password', pluginData: Buffer.alloc(0) };
  const pluginName = r.cstringOrRest();
  return { pluginName, pluginData: Buffer.from(r.rest()) };
}

export function buildAuthSwitchRequest(req: AuthSwitchRequest): Buffer {
  return new BufferWriter().u8(Marker.Eof).cstring(req.pluginName).bytes(req.pluginData).payload();
}

export function parseAuthMoreData(payload: Buffer): AuthMoreData {
  const r = new BufferReader(payload, 'AuthMoreData');
  if (r.u8() !== Marker.AuthMoreData) throw new ProtocolError('an AuthMoreData packet must start with 0x01');
  return { data: Buffer.from(r.rest()) };
}

export function buildAuthMoreData(more: AuthMoreData): Buffer {
  return new BufferWriter().u8(Marker.AuthMoreData).bytes(more.data).payload();
}
