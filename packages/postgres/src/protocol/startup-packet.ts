import { BufferReader } from './buffer-reader';
import { StartupCode } from './codes';
import { ProtocolError } from './errors';
import type { Frame } from './framer';
import { SqlState } from './sqlstate';

export type StartupPacket =
  | { type: 'sslRequest' }
  | { type: 'gssEncRequest' }
  | { type: 'cancelRequest'; pid: number; key: number }
  | { type: 'startupMessage'; majorVersion: 3; minorVersion: number; params: Record<string, string> };

/**
 * Parses the first packet(s) of a connection (framed with `startup: true`). Protocol 2 and
 * unknown request codes are ProtocolErrors with SQLSTATE 0A000, as PostgreSQL reports them.
 */
export function parseStartupPacket(frame: Frame): StartupPacket {
  const r = new BufferReader(frame.body, 'startup');
  const code = r.int32();
  switch (code) {
    case StartupCode.SSLRequest:
      return { type: 'sslRequest' };
    case StartupCode.GSSENCRequest:
      return { type: 'gssEncRequest' };
    case StartupCode.CancelRequest: {
      if (frame.body.length !== 12) throw new ProtocolError(`CancelRequest has length ${frame.body.length + 4}; expected 16`);
      return { type: 'cancelRequest', pid: r.uint32(), key: r.uint32() };
    }
  }
  const major = code >>> 16;
  const minor = code & 0xffff;
  if (major === 1234) {
    throw new ProtocolError(`unsupported request code 1234/${minor}`, SqlState.FeatureNotSupported);
  }
  if (major !== 3) {
    throw new ProtocolError(`unsupported frontend protocol ${major}.${minor}: Postern supports 3.0`, SqlState.FeatureNotSupported);
  }
  return { type: 'startupMessage', majorVersion: 3, minorVersion: minor, params: readParams(r) };
}

/** name\0value\0 … \0 — the list must end with an empty name. */
function readParams(r: BufferReader): Record<string, string> {
  const entries: [string, string][] = [];
  for (;;) {
    if (r.remaining === 0) throw new ProtocolError('startup packet is malformed: the parameter list is not terminated');
    const name = r.cstring();
    if (name === '') break;
    entries.push([name, r.cstring()]);
  }
  if (r.remaining !== 0) throw new ProtocolError('startup packet is malformed: bytes after the parameter list');
  // fromEntries defines own properties, so a parameter named "__proto__" stays a plain key.
  return Object.fromEntries(entries);
}
