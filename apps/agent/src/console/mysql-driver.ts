import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { cut, MAX_CELL_CHARS, type Cell, type Column } from '@postern/console';
import { parseDatabaseAddress } from '@postern/engine';
import mysql from 'mysql2';
import { DriverError, firstKeyword, type ConsoleDriver, type DriverOptions, type StatementCursor } from './driver';

interface MysqlError extends Error {
  code?: string;
  errno?: number;
  sqlState?: string;
  sqlMessage?: string;
}

interface FieldInfo {
  name: string;
  columnType?: number;
  characterSet?: number;
}

const BINARY_CHARSET = 63;
const TYPE_NAMES = new Map<number, string>(Object.entries(mysql.Types as unknown as Record<string, number>).map(([name, n]) => [n, name]));
/** Types whose bytes are text unless their character set is binary. */
const STRINGISH = new Set(['BLOB', 'TINY_BLOB', 'MEDIUM_BLOB', 'LONG_BLOB', 'STRING', 'VAR_STRING', 'VARCHAR', 'BIT', 'GEOMETRY']);

/** MySQL's hint "… near 'frm t' at line 2" → 1-based position of `frm t` in the statement. */
export function mysqlErrorPosition(message: string, sql: string): number | undefined {
  const m = /near '([\s\S]*)' at line (\d+)\s*$/.exec(message);
  if (!m) return undefined;
  const near = m[1]!;
  let lineStart = 0;
  for (let line = Number(m[2]); line > 1; line--) {
    const nl = sql.indexOf('\n', lineStart);
    if (nl < 0) break;
    lineStart = nl + 1;
  }
  if (near === '') return sql.trimEnd().length + 1;
  const at = sql.indexOf(near.slice(0, 80), lineStart);
  return at < 0 ? lineStart + 1 : at + 1;
}

function driverError(err: unknown, sql?: string): DriverError {
  const e = err as MysqlError;
  const message = e.sqlMessage ?? e.message ?? String(err);
  const code = e.errno ? `${e.errno}${e.sqlState ? ` (${e.sqlState})` : ''}` : e.code;
  const position = sql && e.errno === 1064 ? mysqlErrorPosition(message, sql) : undefined;
  return new DriverError(message, { ...(code ? { code } : {}), ...(position ? { position } : {}) });
}

function sslOptions(opts: DriverOptions) {
  // verifyIdentity: the server's certificate must name the address we dial (an IP against
  // its IP SANs), as the wire engine checks it.
  return { ca: opts.target.caPem, cert: opts.credentials.certPem, key: opts.credentials.keyPem, rejectUnauthorized: true, verifyIdentity: true, minVersion: 'TLSv1.2' };
}

function open(opts: DriverOptions): Promise<mysql.Connection> {
  const address = parseDatabaseAddress(opts.target.uri, opts.target.name, 3306);
  const conn = mysql.createConnection({
    host: address.host,
    port: address.port,
    user: opts.dbUser,
    database: opts.dbName || undefined,
    ssl: sslOptions(opts),
    connectTimeout: opts.connectTimeoutMs,
    charset: 'utf8mb4',
    multipleStatements: false,
    rowsAsArray: true,
  });
  // Until the driver listens itself: an error with no listener would end the agent.
  conn.on('error', () => {});
  return new Promise((resolve, reject) => {
    conn.connect((err) => {
      if (!err) return resolve(conn);
      conn.destroy();
      const where = `database ${opts.target.name} at ${opts.target.uri}`;
      const e = err as MysqlError;
      reject(
        e.errno
          ? new DriverError(`${where} refused the session: ${e.sqlMessage ?? e.message}`, { code: String(e.errno) })
          : new DriverError(`${where} is unreachable or its TLS failed: ${e.message} (check that the database trusts the DB Client CA and that its certificate was signed for this address)`),
      );
    });
  });
}

function query(conn: mysql.Connection, sql: string): Promise<unknown[]> {
  return new Promise((resolve, reject) => conn.query({ sql, rowsAsArray: true }, (err, rows) => (err ? reject(driverError(err, sql)) : resolve(rows as unknown[]))));
}

/**
 * MySQL and MariaDB through `mysql2` over TLS with the DB Client CA certificate. A statement's
 * rows are read from the result stream and the socket is paused while the page has no
 * credit left, so the server waits and nothing piles up here. Cancel is KILL QUERY from a
 * second connection. Limits: max_statement_time (MariaDB, seconds) or max_execution_time
 * (MySQL, milliseconds, SELECT only); read-only sessions are read only by default and every
 * statement runs inside an XA transaction that is read only (see start()).
 */
export async function connectMysql(opts: DriverOptions): Promise<ConsoleDriver> {
  const conn = await open(opts);
  try {
    const rows = (await query(conn, 'select version()')) as string[][];
    const version = rows[0]?.[0] ?? '';
    const { limits } = opts;
    if (limits.maxStatementMs) {
      if (/mariadb/i.test(version)) await query(conn, `set session max_statement_time = ${(limits.maxStatementMs / 1000).toFixed(3)}`);
      else await query(conn, `set session max_execution_time = ${Math.ceil(limits.maxStatementMs)}`);
    }
    if (limits.readOnly) await query(conn, 'set session transaction read only');
    return new MysqlDriver(conn, opts, version);
  } catch (err) {
    conn.destroy();
    throw err instanceof DriverError ? err : driverError(err);
  }
}

class MysqlDriver implements ConsoleDriver {
  readonly dialect = 'mysql' as const;
  private lostFns: ((err: Error) => void)[] = [];
  private closed = false;

  constructor(
    private readonly conn: mysql.Connection,
    private readonly opts: DriverOptions,
    readonly serverVersion: string,
  ) {
    conn.on('error', (err: Error) => {
      if (this.closed) return;
      for (const fn of this.lostFns.splice(0)) fn(err);
    });
  }

  async start(sql: string): Promise<StatementCursor> {
    if (!this.opts.limits.readOnly) return new MysqlStatement(this.conn, sql, undefined);
    // The session default is set again (a statement before may have lifted it), and the
    // statement runs inside an XA transaction under a name nobody can guess: XA refuses
    // COMMIT, BEGIN, DDL and LOCK TABLES while it is active, even inside a compound
    // statement (BEGIN NOT ATOMIC … END), where a plain READ ONLY transaction could be
    // committed and the session turned read-write.
    const xid = `postern-ro-${randomBytes(12).toString('hex')}`;
    await query(this.conn, 'set session transaction read only');
    await query(this.conn, `xa start '${xid}'`);
    return new MysqlStatement(this.conn, sql, xid);
  }

  async cancel(): Promise<void> {
    const killer = await open({ ...this.opts, dbName: '' });
    try {
      await query(killer, `kill query ${Number(this.conn.threadId)}`);
    } finally {
      killer.destroy();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.conn.destroy();
        resolve();
      }, 2_000);
      this.conn.end(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  onLost(fn: (err: Error) => void): void {
    this.lostFns.push(fn);
  }
}

class MysqlStatement implements StatementCursor {
  columns: Column[] | null = null;
  finished = false;
  command: string;
  affected: number | null = null;
  private fields: FieldInfo[] = [];
  /** Result sets after the first one with columns (a CALL) are not shown. */
  private resultSets = 0;
  private buffer: Cell[][] = [];
  private error: DriverError | undefined;
  private want = 0;
  private wake: (() => void) | undefined;
  private paused = false;
  private discarding = false;
  private ended = false;

  constructor(
    private readonly conn: mysql.Connection,
    private readonly sql: string,
    /** The read-only wrapper's XA transaction, if any. */
    private readonly xid: string | undefined,
  ) {
    this.command = firstKeyword(sql);
    // typeCast false: every cell as the bytes the server sent, turned into text below
    // with the column's character set in hand.
    const q = conn.query({ sql, rowsAsArray: true, typeCast: false }) as unknown as EventEmitter;
    q.on('fields', (fields: FieldInfo[] | undefined) => {
      // mysql2 says `fields` (undefined) for an OK packet too.
      if (!fields) return;
      this.resultSets++;
      if (this.resultSets > 1) return;
      this.fields = fields;
      this.columns = fields.map((f) => ({ name: f.name, type: (TYPE_NAMES.get(f.columnType ?? -1) ?? String(f.columnType)).toLowerCase() }));
    });
    q.on('result', (row: unknown) => {
      if (Array.isArray(row)) {
        if (this.resultSets > 1 || this.discarding) return;
        this.buffer.push(this.toCells(row as (Buffer | null)[]));
        if (this.buffer.length >= this.want && !this.paused) {
          this.paused = true;
          this.conn.pause();
        }
      } else if (row && typeof row === 'object' && 'affectedRows' in row && this.columns === null) {
        this.affected = Number((row as { affectedRows: number }).affectedRows);
      }
      this.wake?.();
    });
    q.on('error', (err: unknown) => {
      this.error = driverError(err, sql);
      this.wake?.();
    });
    q.on('end', () => {
      this.finished = true;
      this.wake?.();
    });
  }

  private toCells(row: (Buffer | null)[]): Cell[] {
    return row.map((v, i) => {
      if (v === null) return null;
      const f = this.fields[i];
      const type = TYPE_NAMES.get(f?.columnType ?? -1) ?? '';
      if (f?.characterSet === BINARY_CHARSET && STRINGISH.has(type)) {
        const hex = v.subarray(0, MAX_CELL_CHARS / 2).toString('hex');
        return v.length > MAX_CELL_CHARS / 2 ? `0x${hex}… [${v.length} bytes in all]` : `0x${hex}`;
      }
      return cut(v.length > MAX_CELL_CHARS * 4 ? v.subarray(0, MAX_CELL_CHARS * 4).toString('utf8') + '…' : v.toString('utf8'));
    });
  }

  async read(max: number): Promise<Cell[][]> {
    this.want = max;
    for (;;) {
      if (this.error) {
        const err = this.error;
        await this.endTransaction();
        throw err;
      }
      if (this.buffer.length >= max || this.finished) break;
      if (this.paused) {
        this.paused = false;
        this.conn.resume();
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    const rows = this.buffer.splice(0, max);
    if (this.finished && this.buffer.length === 0) await this.endTransaction();
    return rows;
  }

  async close(): Promise<void> {
    if (!this.finished && !this.error) {
      // The server is mid-result: read the rest off the wire without keeping it.
      this.discarding = true;
      this.buffer = [];
      if (this.paused) {
        this.paused = false;
        this.conn.resume();
      }
      while (!this.finished && !this.error) await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    this.finished = true;
    await this.endTransaction();
  }

  /** Ends the read-only wrapper: a read-only transaction has nothing to commit, so it rolls back. */
  private async endTransaction(): Promise<void> {
    if (!this.xid || this.ended) return;
    this.ended = true;
    await query(this.conn, `xa end '${this.xid}'`).catch(() => undefined);
    await query(this.conn, `xa rollback '${this.xid}'`).catch(() => undefined);
  }
}
