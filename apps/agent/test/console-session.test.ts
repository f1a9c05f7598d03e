import { Duplex, PassThrough } from 'node:stream';
import type { ServerMessage } from '@postern/console';
import { encodeMessage, FrameDecoder } from '@postern/console/frames';
import type { AuditEventDraft, SessionContext } from '@postern/engine';
import type { ConsoleLimits } from '@postern/rbac';
import { recordingLogger } from '@postern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameChannel } from '../src/console/channel';
import { DriverError, type ConsoleDriver, type StatementCursor } from '../src/console/driver';
import { ConsoleSession } from '../src/console/session';

function pair(): [Duplex, Duplex] {
  const aToB = new PassThrough();
  const bToA = new PassThrough();
  return [Duplex.from({ readable: bToA, writable: aToB }), Duplex.from({ readable: aToB, writable: bToA })];
}

/** A driver whose statements are scripted: `gen N` yields N rows, `fail` errors, `sleep` waits for cancel. */
class FakeDriver implements ConsoleDriver {
  readonly dialect = 'postgres' as const;
  readonly serverVersion = 'fake 1';
  cancels = 0;
  closed = false;
  /** Rows handed out by reads, to see that nothing is read ahead of the credit. */
  produced = 0;
  private cancelled: (() => void) | undefined;

  async start(sql: string): Promise<StatementCursor> {
    const onCancel = (resolve: () => void) => (this.cancelled = resolve);
    const count = (n: number) => (this.produced += n);
    const gen = /^gen (\d+)$/.exec(sql);
    let next = 1;
    const total = gen ? Number(gen[1]) : 0;
    const cursor: { -readonly [K in keyof StatementCursor]: StatementCursor[K] } = {
      columns: gen || sql === 'sleep' ? [{ name: 'n', type: 'int4' }] : null,
      finished: false,
      command: gen || sql === 'sleep' ? 'SELECT' : sql.split(' ')[0]!.toUpperCase(),
      affected: gen ? null : 1,
      async read(max: number) {
        if (sql === 'fail') throw new DriverError('syntax error at or near "fail"', { code: '42601', position: 3 });
        if (sql === 'sleep') {
          await new Promise<void>((resolve) => onCancel(resolve));
          throw new DriverError('canceling statement due to user request', { code: '57014' });
        }
        const rows: string[][] = [];
        while (rows.length < max && next <= total) rows.push([String(next++)]);
        count(rows.length);
        if (next > total) this.finished = true;
        return rows;
      },
      async close() {
        this.finished = true;
      },
    };
    return cursor;
  }

  async cancel() {
    this.cancels++;
    this.cancelled?.();
  }

  async close() {
    this.closed = true;
  }

  onLost() {}
}

interface Harness {
  send(msg: object): void;
  /** Messages received so far. */
  got: ServerMessage[];
  until(pred: (m: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>;
  audit: AuditEventDraft[];
  driver: FakeDriver;
  done: Promise<void>;
  end(): void;
}

const open: Harness[] = [];
afterEach(() => {
  for (const h of open.splice(0)) h.end();
});

function start(limits: ConsoleLimits = { readOnly: false }, opts: { idleTimeoutMs?: number; allowed?: boolean } = {}): Harness {
  const [agentSide, pageSide] = pair();
  const driver = new FakeDriver();
  const audit: AuditEventDraft[] = [];
  const ctx = {
    sessionId: 's1',
    identity: { kind: 'user', clusterName: 'test', username: 'alice', roles: ['dev'], traits: {}, expires: new Date(Date.now() + 3600_000), route: { service: 'demo', protocol: 'postgres', username: 'alice', database: 'app' } },
    database: { name: 'demo', protocol: 'postgres', uri: '127.0.0.1:5432', caPem: '', labels: {} },
    clientAddr: '127.0.0.1',
    accessThrough: 'web',
    authorize: async () => (opts.allowed === false ? { allowed: false, reason: 'not for you' } : { allowed: true }),
    dbCredentials: async () => ({ certPem: '', keyPem: '' }),
    audit: (d: AuditEventDraft) => void audit.push(d),
    log: recordingLogger([]),
  } as unknown as SessionContext;
  const session = new ConsoleSession(new FrameChannel(agentSide), ctx, { limits, idleTimeoutMs: opts.idleTimeoutMs ?? 60_000, connectTimeoutMs: 1000, driver: async () => driver });
  const got: ServerMessage[] = [];
  const waiters: (() => void)[] = [];
  const decoder = new FrameDecoder();
  pageSide.on('data', (chunk: Buffer) => {
    for (const f of decoder.push(chunk)) got.push(JSON.parse(f.toString('utf8')) as ServerMessage);
    for (const w of waiters.splice(0)) w();
  });
  const h: Harness = {
    send: (msg) => pageSide.write(encodeMessage(msg)),
    got,
    audit,
    driver,
    done: session.run(),
    end: () => pageSide.end(),
    async until(pred, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = got.find(pred);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`no such message; got ${JSON.stringify(got).slice(0, 2000)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
  };
  open.push(h);
  return h;
}

const rowsOf = (got: ServerMessage[], id: string, stmt = 0) => got.flatMap((m) => (m.type === 'rows' && m.id === id && m.stmt === stmt ? m.rows : []));

describe('console session (agent)', () => {
  it('says ready with the session facts, and audits start, each statement and end', async () => {
    const h = start({ readOnly: true, maxRows: 50 });
    const ready = await h.until((m) => m.type === 'ready');
    expect(ready).toMatchObject({ session: { db_service: 'demo', db_user: 'alice', db_name: 'app', limits: { read_only: true, max_rows: 50 } } });
    h.send({ type: 'run', id: 'r1', sql: 'insert 1; gen 3' });
    await h.until((m) => m.type === 'ready' && m.id === 'r1');
    h.send({ type: 'close' });
    await h.done;
    expect(h.audit.map((a) => a.event)).toEqual(['db.session.start', 'db.session.query', 'db.session.query', 'db.session.end']);
    expect(h.audit.filter((a) => a.event === 'db.session.query').map((a) => (a as { db_query: string }).db_query)).toEqual(['insert 1', 'gen 3']);
    expect(h.driver.closed).toBe(true);
  });

  it('sends rows by credit only, and the rest on fetch', async () => {
    const h = start();
    await h.until((m) => m.type === 'ready');
    h.send({ type: 'run', id: 'r1', sql: 'gen 1000', rows: 100 });
    await h.until((m) => m.type === 'columns');
    await new Promise((r) => setTimeout(r, 200));
    expect(rowsOf(h.got, 'r1')).toHaveLength(100);
    expect(h.driver.produced).toBe(100);
    expect(h.got.some((m) => m.type === 'done')).toBe(false);
    h.send({ type: 'fetch', id: 'r1', rows: 950 });
    const done = await h.until((m) => m.type === 'done');
    expect(done).toMatchObject({ rowCount: 1000, command: 'SELECT' });
    expect(rowsOf(h.got, 'r1').map((r) => r[0])).toEqual(Array.from({ length: 1000 }, (_, i) => String(i + 1)));
  });

  it('stops at the role’s max rows and says why', async () => {
    const h = start({ readOnly: false, maxRows: 30 });
    await h.until((m) => m.type === 'ready');
    h.send({ type: 'run', id: 'r1', sql: 'gen 100', rows: 1000 });
    const done = await h.until((m) => m.type === 'done');
    expect(rowsOf(h.got, 'r1')).toHaveLength(30);
    expect(done).toMatchObject({ rowCount: 30, stopped: { reason: 'max_rows' } });
    h.send({ type: 'run', id: 'r2', sql: 'gen 30', rows: 1000 });
    const exact = await h.until((m) => m.type === 'done' && m.id === 'r2');
    expect(exact).not.toHaveProperty('stopped');
  });

  it('keeps the first page of a statement that is not the last, and runs the next', async () => {
    const h = start();
    await h.until((m) => m.type === 'ready');
    h.send({ type: 'run', id: 'r1', sql: 'gen 500; gen 5', rows: 10 });
    await h.until((m) => m.type === 'done' && m.stmt === 1);
    expect(h.got.find((m) => m.type === 'done' && m.stmt === 0)).toMatchObject({ rowCount: 10, stopped: { reason: 'next_statement' } });
    expect(rowsOf(h.got, 'r1', 1)).toHaveLength(5);
    expect(h.got.filter((m) => m.type === 'statement').map((m) => (m as { offset: number }).offset)).toEqual([0, 9]);
  });

  it('reports an error with its position in the whole text, and skips what follows', async () => {
    const h = start();
    await h.until((m) => m.type === 'ready');
    h.send({ type: 'run', id: 'r1', sql: 'gen 1;\n  fail; gen 2' });
    const err = await h.until((m) => m.type === 'error');
    expect(err).toMatchObject({ stmt: 1, code: '42601', position: 12, message: expect.stringMatching(/syntax error/) });
    await h.until((m) => m.type === 'ready' && m.id === 'r1');
    expect(h.got.some((m) => m.type === 'statement' && m.stmt === 2)).toBe(false);
  });

  it('cancels a running statement at the database, and one waiting for credit without it', async () => {
    const h = start();
    await h.until((m) => m.type === 'ready');
    h.send({ type: 'run', id: 'r1', sql: 'sleep' });
    await h.until((m) => m.type === 'statement');
    await new Promise((r) => setTimeout(r, 50));
    h.send({ type: 'cancel', id: 'r1' });
    expect(await h.until((m) => m.type === 'error')).toMatchObject({ code: '57014' });
    expect(h.driver.cancels).toBe(1);
    h.send({ type: 'run', id: 'r2', sql: 'gen 100', rows: 10 });
    await h.until((m) => m.type === 'rows' && m.id === 'r2');
    h.send({ type: 'cancel', id: 'r2' });
    expect(await h.until((m) => m.type === 'done' && m.id === 'r2')).toMatchObject({ rowCount: 10, stopped: { reason: 'cancel' } });
    await h.until((m) => m.type === 'ready' && m.id === 'r2');
  });

  it('answers an invalid message with an error and goes on', async () => {
    const h = start();
    await h.until((m) => m.type === 'ready');
    h.send({ type: 'fetch', id: 'r1', rows: -1 });
    expect(await h.until((m) => m.type === 'error')).toMatchObject({ code: 'bad_message', message: expect.stringMatching(/rows/) });
    h.send({ type: 'run', id: 'r2', sql: 'gen 1' });
    await h.until((m) => m.type === 'done');
  });

  it('closes after idling, telling the page', async () => {
    const h = start({ readOnly: false }, { idleTimeoutMs: 300 });
    await h.until((m) => m.type === 'ready');
    expect(await h.until((m) => m.type === 'timeout', 2000)).toMatchObject({ message: expect.stringMatching(/without activity/) });
    await h.done;
    expect(h.driver.closed).toBe(true);
    expect(h.audit.at(-1)?.event).toBe('db.session.end');
  });

  it('refuses when the roles do not allow the database, and audits it', async () => {
    const h = start({ readOnly: false }, { allowed: false });
    expect(await h.until((m) => m.type === 'error')).toMatchObject({ fatal: true, code: 'access_denied', message: 'not for you' });
    await h.done;
    expect(h.audit).toEqual([{ event: 'db.session.start', success: false, error: 'not for you' }]);
  });
});
