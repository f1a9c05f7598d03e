// What the proxy learned from a MySQL client's handshake, carried to the agent as the
// engine's `startup` record (string to string, as the tunnel's dial metadata is JSON).
// Both halves use these two functions, so the format lives in one place.

export interface MysqlStartup {
  /** The user name the client sent; the route decides who Postern is at the database. */
  user: string;
  /** The database the client asked for; '' for none. */
  database: string;
  /** Capability flags in effect with the client: what it asked for and the proxy offered. */
  capabilities: number;
  /** The client's collation id, passed on to the database. */
  charset: number;
  /** The client's max_allowed_packet, passed on to the database. */
  maxPacket: number;
  /** The client's connection attributes (_client_name, program_name, …). */
  attrs: Record<string, string>;
  /** The sequence id the client expects on our next packet, its authentication result: 3 after TLS. */
  sequenceId: number;
}

export class StartupRecordError extends Error {
  override name = 'StartupRecordError';
}

export function encodeStartup(s: MysqlStartup): Record<string, string> {
  return {
    user: s.user,
    database: s.database,
    capabilities: String(s.capabilities >>> 0),
    charset: String(s.charset),
    max_packet: String(s.maxPacket >>> 0),
    attrs: JSON.stringify(s.attrs),
    sequence: String(s.sequenceId),
  };
}

/** Reads a record made by encodeStartup; throws StartupRecordError for anything else. */
export function decodeStartup(record: Record<string, string>): MysqlStartup {
  return {
    user: field(record, 'user'),
    database: record['database'] ?? '',
    capabilities: integer(record, 'capabilities', 0xffffffff),
    charset: integer(record, 'charset', 0xff),
    maxPacket: integer(record, 'max_packet', 0xffffffff),
    attrs: attrs(record['attrs'] ?? '{}'),
    sequenceId: integer(record, 'sequence', 0xff),
  };
}

function field(record: Record<string, string>, name: string): string {
  const value = record[name];
  if (typeof value !== 'string') throw new StartupRecordError(`the MySQL startup record has no ${name}`);
  return value;
}

function integer(record: Record<string, string>, name: string, max: number): number {
  const text = field(record, name);
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > max) throw new StartupRecordError(`the MySQL startup record has an invalid ${name}: ${JSON.stringify(text)}`);
  return value;
}

function attrs(text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new StartupRecordError('the MySQL startup record has attrs that are not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new StartupRecordError('the MySQL startup record has attrs that are not an object');
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') throw new StartupRecordError(`the MySQL startup record has a non-string attribute ${JSON.stringify(key)}`);
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
