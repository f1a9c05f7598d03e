import { BufferReader } from '../buffer-reader';
import { BufferWriter } from '../buffer-writer';
import { Capability, Marker, ServerStatus } from '../constants';
import { ProtocolError } from '../errors';

// The server's generic answers: OK, ERR and EOF. All three read the capabilities the
// session agreed on, because OK's tail depends on CLIENT_SESSION_TRACK.

export interface OkPacket {
  /** 0x00, or 0xfe for an OK that ends a result set under CLIENT_DEPRECATE_EOF. */
  header: number;
  affectedRows: number;
  lastInsertId: number;
  statusFlags: number;
  warnings: number;
  info: string;
  /** Session state changes (CLIENT_SESSION_TRACK), undecoded. */
  sessionState?: Buffer;
}

export interface ErrPacket {
  code: number;
  /** Five characters, or '' from a server that sent none (before 4.1, or before the handshake). */
  sqlState: string;
  message: string;
}

export interface EofPacket {
  warnings: number;
  statusFlags: number;
}

/** An EOF is 0xfe with at most 8 bytes after it; a longer 0xfe packet is a row or an OK. */
const MAX_EOF_LENGTH = 9;

export function isOkPacket(payload: Buffer): boolean {
  return payload[0] === Marker.Ok;
}

export function isErrPacket(payload: Buffer): boolean {
  return payload[0] === Marker.Err;
}

export function isEofPacket(payload: Buffer): boolean {
  return payload[0] === Marker.Eof && payload.length < MAX_EOF_LENGTH;
}

export function parseOk(payload: Buffer, capabilities: number): OkPacket {
  const r = new BufferReader(payload, 'OK packet');
  const header = r.u8();
  if (header !== Marker.Ok && header !== Marker.Eof) throw new ProtocolError(`an OK packet starts with 0x${header.toString(16)}`);
  const affectedRows = r.lenencInt();
  const lastInsertId = r.lenencInt();
  let statusFlags = 0;
  let warnings = 0;
  if (capabilities & Capability.Protocol41) {
    statusFlags = r.u16();
    warnings = r.u16();
  } else if (capabilities & Capability.Transactions) {
    statusFlags = r.u16();
  }
  let info = '';
  let sessionState: Buffer | undefined;
  if (capabilities & Capability.SessionTrack) {
    if (r.remaining > 0) info = r.lenencString();
    if (statusFlags & ServerStatus.SessionStateChanged && r.remaining > 0) sessionState = Buffer.from(r.lenencBytes());
  } else {
    info = r.rest().toString('utf8');
  }
  return { header, affectedRows, lastInsertId, statusFlags, warnings, info, ...(sessionState ? { sessionState } : {}) };
}

export function buildOk(ok: Partial<OkPacket>, capabilities: number): Buffer {
  const w = new BufferWriter()
    .u8(ok.header ?? Marker.Ok)
    .lenencInt(ok.affectedRows ?? 0)
    .lenencInt(ok.lastInsertId ?? 0);
  const statusFlags = ok.statusFlags ?? ServerStatus.Autocommit;
  if (capabilities & Capability.Protocol41) w.u16(statusFlags).u16(ok.warnings ?? 0);
  else if (capabilities & Capability.Transactions) w.u16(statusFlags);
  if (capabilities & Capability.SessionTrack) {
    if (ok.info || ok.sessionState) w.lenencString(ok.info ?? '');
    if (ok.sessionState) w.lenencBytes(ok.sessionState);
  } else if (ok.info) {
    w.string(ok.info);
  }
  return w.payload();
}

export function parseErr(payload: Buffer): ErrPacket {
  const r = new BufferReader(payload, 'ERR packet');
  if (r.u8() !== Marker.Err) throw new ProtocolError('an ERR packet must start with 0xff');
  const code = r.u16();
  let sqlState = '';
  // The '#' marker is there under CLIENT_PROTOCOL_41; servers also use it before the
  // capabilities are agreed, so its presence is what decides.
  if (payload[r.position] === 0x23 && r.remaining >= 6) {
    r.skip(1);
    sqlState = r.bytes(5).toString('latin1');
  }
  return { code, sqlState, message: r.rest().toString('utf8') };
}

export function buildErr(err: ErrPacket): Buffer {
  const w = new BufferWriter().u8(Marker.Err).u16(err.code);
  if (err.sqlState) {
    if (!/^[0-9A-Z]{5}$/.test(err.sqlState)) throw new RangeError(`a SQLSTATE is five digits or capitals, not ${JSON.stringify(err.sqlState)}`);
    w.string('#').string(err.sqlState);
  }
  return w.string(err.message).payload();
}

export function parseEof(payload: Buffer): EofPacket {
  if (!isEofPacket(payload)) throw new ProtocolError('an EOF packet is 0xfe and at most 8 more bytes');
  const r = new BufferReader(payload, 'EOF packet');
  r.skip(1);
  // A pre-4.1 EOF is the marker alone.
  if (r.remaining < 4) return { warnings: 0, statusFlags: 0 };
  return { warnings: r.u16(), statusFlags: r.u16() };
}

export function buildEof(eof: Partial<EofPacket> = {}): Buffer {
  return new BufferWriter(5)
    .u8(Marker.Eof)
    .u16(eof.warnings ?? 0)
    .u16(eof.statusFlags ?? ServerStatus.Autocommit)
    .payload();
}
