import { cut, type Cell, type Column } from '@postern/console';
import { sendCancelRequest } from '@postern/postgres';
import { parseDatabaseAddress } from '@postern/engine';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { DriverError, firstKeyword, type ConsoleDriver, type DriverOptions, type StatementCursor } from './driver';

/** Every value as PostgreSQL's own text: what psql shows, and JSON-safe. */
const asText = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

interface PgError extends Error {
  code?: string;
  position?: string;
  detail?: string;
  hint?: string;
}

function driverError(err: unknown): DriverError {
  const e = err as PgError;
  const position = e.position ? Number(e.position) : undefined;
  return new DriverError(e.message ?? String(err), {
    ...(e.code ? { code: e.code } : {}),
    ...(position && Number.isInteger(position) && position > 0 ? { position } : {}),
    ...(e.detail ? { detail: e.detail } : {}),
    ...(e.hint ? { hint: e.hint } : {}),
  });
}

/**
 * PostgreSQL through `pg` over TLS with the DB Client CA certificate, the server checked
 * against the database's CA and its address (as the wire engine does). Each statement runs
 * through pg-cursor: Parse/Bind/Execute with a row limit on a named portal, so rows stay in
 * the database until the page asks for them, whatever the statement. The extended protocol
 * also refuses several statements in one Parse: what the splitter hands over runs alone.
 *
 * Limits: statement_timeout for the duration; for read-only sessions the session default is
 * read only and every statement runs inside BEGIN READ ONLY … COMMIT, so that a `SET
 * SESSION CHARACTERISTICS … READ WRITE` typed by the user cannot lift it.
 */
export async function connectPostgres(opts: DriverOptions): Promise<ConsoleDriver> {
  const { target, credentials, limits } = opts;
  const address = parseDatabaseAddress(target.uri, target.name, 5432);
  const client = new pg.Client({
    host: address.host,
    port: address.port,
    user: opts.dbUser,
    database: opts.dbName,
    ssl: { ca: target.caPem, cert: credentials.certPem, key: credentials.keyPem, minVersion: 'TLSv1.2', rejectUnauthorized: true },
    application_name: 'postern-console',
    connectionTimeoutMillis: opts.connectTimeoutMs,
    types: asText,
  });
  const where = `database ${target.name} at ${target.uri}`;
  const lost: ((err: Error) => void)[] = [];
  let closed = false;
  client.on('error', (err) => {
    if (closed) return;
    for (const fn of lost.splice(0)) fn(err);
  });
  // Notices (e.g. "there is already a transaction in progress") are not errors.
  client.on('notice', () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    const e = err as PgError;
    if (e.code) throw new DriverError(`${where} refused the session: ${e.message}`, { code: e.code });
    throw new DriverError(`${where} is unreachable or its TLS failed: ${e.message} (check that the database trusts the DB Client CA and that its certificate was signed for this address)`);
  }
  const types = new Map<number, string>();
  try {
    const version = await client.query<{ v: string }>("select current_setting('server_version') as v");
    const rows = await client.query<{ oid: string; name: string }>('select oid, format_type(oid, null) as name from pg_type limit 20000');
    for (const r of rows.rows) types.set(Number(r.oid), r.name);
    if (limits.maxStatementMs) await client.query(`set statement_timeout = ${Math.ceil(limits.maxStatementMs)}`);
    if (limits.readOnly) {
      await client.query('set session characteristics as transaction read only');
      await client.query('set default_transaction_read_only = on');
    }
    return new PostgresDriver(client, opts, version.rows[0]?.v ?? '', types, lost, () => (closed = true));
  } catch (err) {
    closed = true;
    await client.end().catch(() => undefined);
    throw driverError(err);
  }
}

class PostgresDriver implements ConsoleDriver {
  readonly dialect = 'postgres' as const;

  constructor(
    private readonly client: pg.Client,
    private readonly opts: DriverOptions,
    readonly serverVersion: string,
    private readonly types: Map<number, string>,
    private readonly lost: ((err: Error) => void)[],
    private readonly markClosed: () => void,
  ) {}

  async start(sql: string): Promise<StatementCursor> {
    const readOnly = this.opts.limits.readOnly;
    if (readOnly) {
      try {
        await this.client.query('begin read only');
      } catch (err) {
        throw driverError(err);
      }
    }
    const cursor = this.client.query(new Cursor(sql, undefined, { rowMode: 'array', types: asText }));
    return new PostgresStatement(cursor, this.client, this.types, readOnly, sql);
  }

  async cancel(): Promise<void> {
    const { processID, secretKey } = this.client as unknown as { processID: number | null; secretKey: number | null };
    if (processID === null || secretKey === null) return;
    await sendCancelRequest(this.opts.target, processID, secretKey, { tls: { credentials: this.opts.credentials } });
  }

  async close(): Promise<void> {
    this.markClosed();
    await this.client.end().catch(() => undefined);
  }

  onLost(fn: (err: Error) => void): void {
    this.lost.push(fn);
  }
}

class PostgresStatement implements StatementCursor {
  columns: Column[] | null = null;
  finished = false;
  command = '';
  affected: number | null = null;
  private failed = false;
  private ended = false;

  constructor(
    private readonly cursor: Cursor,
    private readonly client: pg.Client,
    private readonly types: Map<number, string>,
    private readonly readOnly: boolean,
    private readonly sql: string,
  ) {}

  read(max: number): Promise<Cell[][]> {
    if (this.finished) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.cursor.read(max, (err, rows, result) => {
        if (err) {
          this.failed = true;
          this.finished = true;
          void this.endTransaction().finally(() => reject(driverError(err)));
          return;
        }
        if (this.columns === null && result?.fields?.length) {
          this.columns = result.fields.map((f) => ({ name: f.name, type: this.types.get(f.dataTypeID) ?? String(f.dataTypeID) }));
        }
        const state = (this.cursor as unknown as { state: string }).state;
        if (state === 'done' || rows.length < max) {
          this.finished = true;
          this.command = result?.command || firstKeyword(this.sql);
          this.affected = typeof result?.rowCount === 'number' ? result.rowCount : null;
          void this.endTransaction().finally(() => resolve(toCells(rows)));
          return;
        }
        resolve(toCells(rows));
      });
    });
  }

  async close(): Promise<void> {
    if (!this.finished) {
      this.finished = true;
      this.command ||= firstKeyword(this.sql);
      await this.cursor.close().catch(() => undefined);
    }
    await this.endTransaction();
  }

  /** The read-only wrapper's end: COMMIT after success, ROLLBACK after an error. */
  private async endTransaction(): Promise<void> {
    if (!this.readOnly || this.ended) return;
    this.ended = true;
    await this.client.query(this.failed ? 'rollback' : 'commit').catch(() => undefined);
  }
}

function toCells(rows: unknown[][]): Cell[][] {
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (typeof v === 'string') row[i] = cut(v);
      else if (v !== null) row[i] = cut(String(v));
    }
  }
  return rows as Cell[][];
}
