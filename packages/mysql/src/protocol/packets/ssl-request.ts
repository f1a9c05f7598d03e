import { BufferReader } from '../buffer-reader';
import { BufferWriter } from '../buffer-writer';
import { Capability } from '../constants';
import { ProtocolError } from '../errors';

/**
 * SSLRequest: the first 32 bytes of a HandshakeResponse41 with CLIENT_SSL set, sent in
 * the clear; the client starts its TLS handshake right after it, without waiting.
 */
export interface SslRequest {
  capabilities: number;
  maxPacketSize: number;
  characterSet: number;
  /** MariaDB's extended capabilities in the last 4 filler bytes; 0 when LongPassword is set. */
  mariadbCapabilities: number;
}

export const SSL_REQUEST_LENGTH = 32;
/** Filler between the character set and the user name; MariaDB uses its last 4 bytes. */
export const RESPONSE_FILLER_LENGTH = 19;

/** A full HandshakeResponse41 always has a user name (at least its NUL) after these 32 bytes. */
export function isSslRequest(payload: Buffer): boolean {
  return payload.length === SSL_REQUEST_LENGTH;
}

export function parseSslRequest(payload: Buffer): SslRequest {
  if (!isSslRequest(payload)) throw new ProtocolError(`an SSLRequest is ${SSL_REQUEST_LENGTH} bytes, not ${payload.length}`);
  const r = new BufferReader(payload, 'SSLRequest');
  const capabilities = r.u32();
  if (!(capabilities & Capability.Ssl)) throw new ProtocolError('an SSLRequest without the CLIENT_SSL capability');
  const maxPacketSize = r.u32();
  const characterSet = r.u8();
  r.skip(RESPONSE_FILLER_LENGTH);
  const extended = r.u32();
  return { capabilities, maxPacketSize, characterSet, mariadbCapabilities: capabilities & Capability.LongPassword ? 0 : extended };
}

export function buildSslRequest(req: SslRequest): Buffer {
  return writeResponseHead(new BufferWriter(SSL_REQUEST_LENGTH), { ...req, capabilities: (req.capabilities | Capability.Ssl) >>> 0 }).payload();
}

/** The 32 bytes an SSLRequest and a HandshakeResponse41 share. */
export function writeResponseHead(w: BufferWriter, head: SslRequest): BufferWriter {
  return w
    .u32(head.capabilities)
    .u32(head.maxPacketSize)
    .u8(head.characterSet)
    .zeros(RESPONSE_FILLER_LENGTH)
    .u32(head.capabilities & Capability.LongPassword ? 0 : head.mariadbCapabilities);
}
