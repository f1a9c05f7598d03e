import { BufferReader } from '../buffer-reader';
import { BufferWriter } from '../buffer-writer';
import { Capability } from '../constants';
import { ErrorCode } from '../error-codes';
import { ProtocolError } from '../errors';
import { RESPONSE_FILLER_LENGTH, writeResponseHead } from './ssl-request';
import type { SslRequest } from './ssl-request';

/** The client's answer to the greeting: who it is, and what it wants. */
export interface HandshakeResponse41 extends SslRequest {
  user: string;
  /** The password plugin's answer to the scramble; empty without a password. */
  authResponse: Buffer;
  /** '' when the client names none. */
  database: string;
  /** '' when the client names none. */
  authPluginName: string;
  /** Connection attributes (_client_name, program_name, …). */
  attrs: Record<string, string>;
}

/** Attributes are for logs and the processlist; a client sending thousands is not one to humour. */
const MAX_ATTRS = 256;

export function parseHandshakeResponse41(payload: Buffer): HandshakeResponse41 {
  const r = new BufferReader(payload, 'HandshakeResponse41');
  const capabilities = r.u32();
  if (!(capabilities & Capability.Protocol41)) {
    throw new ProtocolError('the client speaks the pre-4.1 protocol (HandshakeResponse320); Postern needs a MySQL 4.1 or later client', ErrorCode.HandshakeError);
  }
  const maxPacketSize = r.u32();
  const characterSet = r.u8();
  r.skip(RESPONSE_FILLER_LENGTH);
  const extended = r.u32();
  const user = r.cstring();

  let authResponse: Buffer;
  if (capabilities & Capability.PluginAuthLenencClientData) authResponse = r.lenencBytes();
  else if (capabilities & Capability.SecureConnection) authResponse = r.bytes(r.u8());
  else authResponse = r.cstringBytes();

  // Clients leave out trailing optional fields they have no value for, flag or not.
  const database = capabilities & Capability.ConnectWithDb && r.remaining > 0 ? r.cstringOrRest() : '';
  const authPluginName = capabilities & Capability.PluginAuth && r.remaining > 0 ? r.cstringOrRest() : '';
  const attrs = capabilities & Capability.ConnectAttrs && r.remaining > 0 ? parseAttrs(r.lenencBytes()) : {};

  return {
    capabilities,
    maxPacketSize,
    characterSet,
    mariadbCapabilities: capabilities & Capability.LongPassword ? 0 : extended,
    user,
    authResponse: Buffer.from(authResponse),
    database,
    authPluginName,
    attrs,
  };
}

function parseAttrs(block: Buffer): Record<string, string> {
  const r = new BufferReader(block, 'the connection attributes');
  const attrs: Record<string, string> = {};
  let count = 0;
  while (r.remaining > 0) {
    const key = r.lenencString();
    const value = r.lenencString();
    if (++count > MAX_ATTRS) throw new ProtocolError(`more than ${MAX_ATTRS} connection attributes`, ErrorCode.HandshakeError);
    // A key like "__proto__" must stay data.
    Object.defineProperty(attrs, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return attrs;
}

export function buildHandshakeResponse41(res: HandshakeResponse41): Buffer {
  const flags = res.capabilities;
  const out = writeResponseHead(new BufferWriter(128), res).cstring(res.user);
  if (flags & Capability.PluginAuthLenencClientData) out.lenencBytes(res.authResponse);
  else if (flags & Capability.SecureConnection) out.u8(res.authResponse.length).bytes(res.authResponse);
  else out.bytes(res.authResponse).u8(0);
  if (flags & Capability.ConnectWithDb) out.cstring(res.database);
  if (flags & Capability.PluginAuth) out.cstring(res.authPluginName);
  if (flags & Capability.ConnectAttrs) {
    const block = new BufferWriter();
    for (const [key, value] of Object.entries(res.attrs)) block.lenencString(key).lenencString(value);
    out.lenencBytes(block.payload());
  }
  return out.payload();
}
