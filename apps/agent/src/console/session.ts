import { performance } from 'node:perf_hooks';
import {
  clientMessage,
  DEFAULT_PAGE_ROWS,
  describeIssues,
  splitStatements,
  type Cell,
  type ClientMessage,
  type ServerMessage,
} from '@postern/console';
import { FrameError } from '@postern/console/frames';
import { checkAccess, SessionError, type SessionContext } from '@postern/engine';
import type { ConsoleLimits } from '@postern/rbac';
import type { FrameChannel } from './channel';
import { DriverError, type ConsoleDriver, type DriverFactory, type StatementCursor } from './driver';

/** Rows asked of the driver at once; the page's credit and max_rows may ask fewer. */
const READ_BATCH = 1000;
/** A rows message carries at most this many characters of JSON (≤ 3 bytes each in UTF-8: under the 1 MiB frame cap). */
const MAX_ROWS_CHARS = 256 * 1024;
/** One row alone must fit a message too: its cells are cut further when it does not. */
const MAX_ROW_CHARS = 300 * 1024;
/** After a run is asked to stop, how long the session waits for it before closing anyway. */
const STOP_GRACE_MS = 5_000;
/** The agent's own backstop to a role's max statement duration: the database gets the first go. */
const WATCHDOG_GRACE_MS = 1_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ConsoleSessionOptions {
  limits: ConsoleLimits;
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  driver: DriverFactory;
}

/** One run (the page's `run`): its statements one after another on the session's connection. */
class Run {
  credit = 0;
  cancelled = false;
  /** A statement of this run is open at the database (started, not yet finished or closed). */
  active = false;
  /** The agent waits for the database (a read is pending): the statement is executing. */
  reading = false;
  private waiter: (() => void) | undefined;

  constructor(
    readonly id: string,
    readonly sql: string,
    readonly page: number,
  ) {}

  give(rows: number): void {
    this.credit += rows;
    this.wake();
  }

  cancel(): void {
    this.cancelled = true;
    this.wake();
  }

  wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  waitForCredit(): Promise<void> {
    if (this.credit > 0 || this.cancelled) return Promise.resolve();
    return new Promise((resolve) => (this.waiter = resolve));
  }
}

function fitRow(row: Cell[]): string {
  const json = JSON.stringify(row);
  if (json.length <= MAX_ROW_CHARS) return json;
  const each = Math.max(16, Math.floor((MAX_ROW_CHARS * 0.8) / Math.max(1, row.length)));
  return JSON.stringify(row.map((c) => (c !== null && c.length > each ? `${c.slice(0, each)}… [cut to fit the console]` : c)));
}

/**
 * The browser console on the agent: the page's messages in, statements run with a real
 * driver, rows out by credit. Authorization, credentials and audit are the same as for a
 * native session (SessionContext), with access_through 'web'.
 */
export class ConsoleSession {
  private driver: ConsoleDriver | undefined;
  private current: Run | undefined;
  private runs: Promise<void> = Promise.resolve();
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private started = false;

  constructor(
    private readonly channel: FrameChannel,
    private readonly ctx: SessionContext,
    private readonly opts: ConsoleSessionOptions,
  ) {}

  /** Resolves when the session is over; never rejects. */
  async run(): Promise<void> {
    try {
      if (!(await this.open())) return;
      this.armIdle();
      const ms = this.ctx.identity.expires.getTime() - Date.now();
      this.expiryTimer = setTimeout(() => void this.fatal('your console certificate expired (its lifetime follows your session and roles): open the console again'), Math.min(Math.max(ms, 0), MAX_TIMER_MS));
      await this.loop();
    } catch (err) {
      this.ctx.log.error({ err: (err as Error).message }, 'console session failed');
      await this.fatal(`internal error in the agent: ${(err as Error).message}`);
    } finally {
      await this.stop();
    }
  }

  private send(message: ServerMessage | string): Promise<void> {
    return this.channel.send(message);
  }

  /** Authorize, connect, audit the start; tells the page and returns false when refused. */
  private async open(): Promise<boolean> {
    const { ctx } = this;
    const route = ctx.identity.route;
    const refused = await checkAccess(ctx);
    if (refused) return this.refuse(refused.kind, refused.message);
    try {
      const credentials = await ctx.dbCredentials();
      this.driver = await this.opts.driver({
        target: ctx.database,
        credentials,
        dbUser: route.username,
        dbName: route.database,
        limits: this.opts.limits,
        connectTimeoutMs: this.opts.connectTimeoutMs,
      });
    } catch (err) {
      const message = err instanceof DriverError ? err.message : `cannot connect to database ${ctx.database.name}: ${(err as Error).message}`;
      return this.refuse('database_unreachable', message);
    }
    try {
      ctx.audit({ event: 'db.session.start', success: true });
    } catch {
      return this.refuse('audit_unavailable', 'the audit log is unavailable; Postern refuses to run sessions unaudited');
    }
    this.started = true;
    this.driver.onLost((err) => void this.fatal(`the connection to database ${ctx.database.name} was lost: ${err.message}`));
    const { limits } = this.opts;
    await this.send({
      type: 'ready',
      session: {
        protocol: ctx.database.protocol,
        db_service: ctx.database.name,
        db_user: route.username,
        db_name: route.database,
        server_version: this.driver.serverVersion,
        limits: {
          read_only: limits.readOnly,
          ...(limits.maxRows !== undefined ? { max_rows: limits.maxRows } : {}),
          ...(limits.maxStatementMs !== undefined ? { max_statement_ms: limits.maxStatementMs } : {}),
        },
        idle_timeout_ms: this.opts.idleTimeoutMs,
      },
    });
    return true;
  }

  private async refuse(code: string, message: string): Promise<false> {
    try {
      this.ctx.audit({ event: 'db.session.start', success: false, error: message });
    } catch (err) {
      this.ctx.log.error({ err: (err as Error).message }, 'audit event lost');
    }
    this.ctx.log.info({ reason: message }, 'console session refused');
    await this.send({ type: 'error', fatal: true, code, message });
    return false;
  }

  /** Tells the page why the session ends, and ends it (without waiting: a run may be the caller). */
  private async fatal(message: string, code?: string): Promise<void> {
    if (this.stopping) return;
    await this.send({ type: 'error', fatal: true, message, ...(code ? { code } : {}) }).catch(() => undefined);
    void this.stop();
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      const run = this.current;
      // A statement still running in the database is not idling: wait for it.
      if (run && run.reading) return this.armIdle();
      const minutes = Math.round(this.opts.idleTimeoutMs / 60_000);
      const after = minutes >= 1 ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${Math.round(this.opts.idleTimeoutMs / 1000)} seconds`;
      void this.send({ type: 'timeout', message: `the console session closed after ${after} without activity; reconnect to go on` }).finally(() => this.stop());
    }, this.opts.idleTimeoutMs);
  }

  private async loop(): Promise<void> {
    for (;;) {
      let frame: Buffer | null;
      try {
        frame = await this.channel.next();
      } catch (err) {
        if (err instanceof FrameError) return this.fatal(err.message, 'message_too_large');
        throw err;
      }
      if (frame === null || this.stopping) return;
      this.armIdle();
      let parsed: unknown;
      try {
        parsed = JSON.parse(frame.toString('utf8'));
      } catch {
        await this.send({ type: 'error', code: 'bad_message', message: 'a console message is not JSON' });
        continue;
      }
      const result = clientMessage.safeParse(parsed);
      if (!result.success) {
        await this.send({ type: 'error', code: 'bad_message', message: `invalid console message: ${describeIssues(result.error)}` });
        continue;
      }
      if (result.data.type === 'close') return;
      this.handle(result.data);
    }
  }

  private handle(msg: Exclude<ClientMessage, { type: 'close' }>): void {
    const run = this.current;
    switch (msg.type) {
      case 'run': {
        // A new run replaces one that still runs or waits for the page to scroll.
        if (run) this.cancelRun(run);
        const next = new Run(msg.id, msg.sql, msg.rows ?? DEFAULT_PAGE_ROWS);
        this.current = next;
        this.runs = this.runs.then(() => this.execute(next));
        return;
      }
      case 'fetch':
        if (run?.id === msg.id) run.give(msg.rows);
        return;
      case 'cancel':
        if (run?.id !== msg.id || run.cancelled) return;
        this.cancelRun(run);
        return;
    }
  }

  /**
   * Stops a run: no further statement starts, and the open one is cancelled at the database
   * (for PostgreSQL a cancel request, which the server ignores while a portal only waits for
   * the next fetch; for MySQL KILL QUERY, which also ends a result the server is blocked
   * sending), then closed.
   */
  private cancelRun(run: Run): void {
    run.cancel();
    if (run.active) this.cancelAtDatabase();
  }

  private cancelAtDatabase(): void {
    this.driver?.cancel().catch((err: unknown) => this.ctx.log.warn({ err: (err as Error).message }, 'console cancel failed'));
  }

  private async execute(run: Run): Promise<void> {
    const driver = this.driver!;
    const started = performance.now();
    const statements = splitStatements(run.sql, driver.dialect);
    if (statements.length === 0) {
      await this.send({ type: 'error', id: run.id, message: 'nothing to run: the text holds no SQL statement' });
    }
    for (let k = 0; k < statements.length && !run.cancelled && !this.stopping; k++) {
      const st = statements[k]!;
      await this.send({ type: 'statement', id: run.id, stmt: k, sql: st.sql, offset: st.start });
      try {
        this.ctx.audit({ event: 'db.session.query', db_query: st.sql });
      } catch (err) {
        const message = err instanceof SessionError ? err.message : 'the audit log is unavailable; Postern refuses to run statements unaudited';
        await this.fatal(message, 'audit_unavailable');
        return;
      }
      const ok = await this.statement(run, k, st.sql, st.start, k === statements.length - 1);
      if (!ok) break;
    }
    if (this.current === run) this.current = undefined;
    if (!this.stopping) await this.send({ type: 'ready', id: run.id });
    this.ctx.log.debug({ run: run.id, ms: performance.now() - started }, 'console run finished');
  }

  /** One statement: start, rows by credit, done or error. False when the run must stop. */
  private async statement(run: Run, stmt: number, sql: string, offset: number, last: boolean): Promise<boolean> {
    const driver = this.driver!;
    const { limits } = this.opts;
    const started = performance.now();
    run.credit = run.page;
    let cursor: StatementCursor | undefined;
    let sent = 0;
    let columnsSent = false;
    let stopped: { reason: 'max_rows' | 'cancel' | 'next_statement'; message: string } | undefined;
    const budget = { executedMs: 0 };
    run.active = true;
    try {
      cursor = await driver.start(sql);
      for (;;) {
        if (run.cancelled) {
          stopped = { reason: 'cancel', message: 'cancelled: the rest of the result was not read' };
          break;
        }
        const left = limits.maxRows !== undefined ? limits.maxRows - sent : Infinity;
        if (left <= 0 || (run.credit <= 0 && !last)) {
          // Is there more? One row tells (and is not sent).
          const probe = await this.read(run, cursor, 1, budget);
          if (probe.length === 0 && cursor.finished) break;
          stopped =
            left <= 0
              ? { reason: 'max_rows', message: `stopped after ${limits.maxRows} rows: your roles allow the console at most that many rows of one statement (console_max_rows)` }
              : { reason: 'next_statement', message: `only the first ${run.page} rows of a statement that is not the last of its run are shown; run it alone to scroll through all` };
          break;
        }
        if (run.credit <= 0) {
          await run.waitForCredit();
          continue;
        }
        const rows = await this.read(run, cursor, Math.min(run.credit, READ_BATCH, left), budget);
        if (!columnsSent && cursor.columns) {
          columnsSent = true;
          await this.send({ type: 'columns', id: run.id, stmt, columns: cursor.columns });
        }
        if (rows.length > 0) {
          sent += rows.length;
          run.credit -= rows.length;
          await this.sendRows(run.id, stmt, rows);
        }
        if (cursor.finished) break;
      }
      await cursor.close();
      const rowCount = cursor.columns ? sent : cursor.affected;
      await this.send({
        type: 'done',
        id: run.id,
        stmt,
        rowCount,
        command: cursor.command,
        ms: Math.round((performance.now() - started) * 10) / 10,
        ...(stopped ? { stopped } : {}),
      });
      return !stopped || stopped.reason !== 'cancel';
    } catch (err) {
      await cursor?.close();
      if (err instanceof DriverError) {
        const { position, ...extra } = err.extra;
        let message = err.message;
        if (budget.executedMs > 0 && limits.maxStatementMs !== undefined && budget.executedMs >= limits.maxStatementMs && !run.cancelled) {
          message = `${message} (your roles allow a console statement at most ${limits.maxStatementMs / 1000} s: console_max_statement_duration)`;
        }
        await this.send({ type: 'error', id: run.id, stmt, message, ...extra, ...(position ? { position: offset + position } : {}) });
      } else {
        this.ctx.log.error({ err: (err as Error).message }, 'console statement failed');
        await this.send({ type: 'error', id: run.id, stmt, message: `internal error in the agent: ${(err as Error).message}` });
      }
      return false;
    } finally {
      run.active = false;
    }
  }

  /** A driver read, timed against the role's max duration; the agent cancels if the database does not. */
  private async read(run: Run, cursor: StatementCursor, max: number, budget: { executedMs: number }): Promise<Cell[][]> {
    const limit = this.opts.limits.maxStatementMs;
    const started = performance.now();
    const watchdog = limit !== undefined ? setTimeout(() => this.cancelAtDatabase(), Math.max(0, limit + WATCHDOG_GRACE_MS - budget.executedMs)) : undefined;
    run.reading = true;
    try {
      return await cursor.read(max);
    } finally {
      run.reading = false;
      clearTimeout(watchdog);
      budget.executedMs += performance.now() - started;
    }
  }

  private async sendRows(id: string, stmt: number, rows: Cell[][]): Promise<void> {
    const head = `{"type":"rows","id":${JSON.stringify(id)},"stmt":${stmt},"rows":[`;
    let parts: string[] = [];
    let size = head.length;
    for (const row of rows) {
      const json = fitRow(row);
      if (parts.length > 0 && size + json.length + 3 > MAX_ROWS_CHARS) {
        await this.send(`${head}${parts.join(',')}]}`);
        parts = [];
        size = head.length;
      }
      parts.push(json);
      size += json.length + 1;
    }
    if (parts.length > 0) await this.send(`${head}${parts.join(',')}]}`);
  }

  /** Ends the session once: the run stops, the connection closes, db.session.end is audited. */
  private stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.expiryTimer);
    if (this.current) this.cancelRun(this.current);
    await Promise.race([this.runs.catch(() => undefined), new Promise((r) => setTimeout(r, STOP_GRACE_MS).unref())]);
    await this.driver?.close();
    if (this.started) {
      try {
        this.ctx.audit({ event: 'db.session.end' });
      } catch (err) {
        this.ctx.log.error({ err: (err as Error).message }, 'audit event lost');
      }
    }
    this.channel.end();
  }
}
