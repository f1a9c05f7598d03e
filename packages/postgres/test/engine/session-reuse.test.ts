import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { serialize } from '../../src/protocol/serializer';
import { DB_NAME, DB_USER, eventually, SERVICE, startHarness } from '../helpers/harness';
import { WireClient } from '../helpers/wire-client';
import type { Harness } from '../helpers/harness';

// reuse_connections through readStartup + PostgresEngine to a real PostgreSQL with TLS and
// certificate authentication: a session that ends cleanly leaves its backend, reset with
// DISCARD ALL, to the next session with the same startup; anything else closes it.

let h: Harness;
vi.setConfig({ testTimeout: 15_000 });
const REUSE = { maxIdle: 2, idleTimeoutMs: 60_000, maxLifetimeMs: 600_000 };

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});
beforeEach(() => {
  h.reset();
  h.dropIdleConnections();
  h.config.database = { ...h.config.database, reuseConnections: REUSE };
});

async function pid(sql = 'select pg_backend_pid()'): Promise<number> {
  const result = await h.psql(sql);
  expect(result.stderr).toBe('');
  await h.idle();
  return Number(result.stdout.trim().split('\n').at(-1));
}

/** Until the session that just ended has given its connection back (the reset is a round trip). */
async function idleCount(n: number): Promise<void> {
  await eventually(() => h.idleConnections === n, 5_000, `${n} idle connections`);
}

describe('reuse_connections', () => {
  it('gives the next psql session the same backend, each session audited on its own', async () => {
    const first = await pid();
    await idleCount(1);
    const second = await pid();
    expect(second).toBe(first);
    expect(h.sessions).toHaveLength(2);
    for (const session of h.sessions) {
      expect(session.audits).toEqual([
        { event: 'db.session.start', success: true },
        { event: 'db.session.query', db_query: 'select pg_backend_pid()' },
        { event: 'db.session.end' },
      ]);
    }
  });

  it("leaves nothing of a session's state to the next one", async () => {
    const first = await pid(
      "set work_mem = '1234kB'; create temp table scratch (n int); prepare p as select 1; select pg_advisory_lock(42); listen chan; select pg_backend_pid()",
    );
    await idleCount(1);
    const result = await h.psql(
      "select current_setting('work_mem'), to_regclass('pg_temp.scratch') is null, (select count(*) from pg_prepared_statements), " +
        '(select count(*) from pg_locks where locktype = $$advisory$$ and pid = pg_backend_pid()), (select count(*) from pg_listening_channels()), pg_backend_pid()',
    );
    expect(result.stderr).toBe('');
    const [workMem, noTemp, prepared, locks, channels, backend] = result.stdout.trim().split('|');
    expect(Number(backend)).toBe(first);
    expect(workMem).not.toBe('1234kB');
    expect([noTemp, prepared, locks, channels]).toEqual(['t', '0', '0', '0']);
  });

  it('does not reuse a backend whose client left inside a transaction', async () => {
    const client = await h.connect({ application_name: 'tx' });
    await client.query('begin');
    const first = (await client.query('select pg_backend_pid() as pid')).rows[0].pid as number;
    await client.end();
    await h.idle();
    expect(h.idleConnections).toBe(0);
    const again = await h.connect({ application_name: 'tx' });
    const second = (await again.query('select pg_backend_pid() as pid')).rows[0].pid as number;
    expect(second).not.toBe(first);
    // The first backend is gone, its transaction rolled back.
    for (let tries = 0; ; tries++) {
      const { n } = (await again.query('select count(*)::int as n from pg_stat_activity where pid = $1', [first])).rows[0] as { n: number };
      if (n === 0) break;
      expect(tries).toBeLessThan(100);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await again.end();
  });

  it('does not reuse a backend whose client vanished without saying goodbye', async () => {
    const client = await h.connect({ application_name: 'vanish' });
    await client.query('select 1');
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await h.idle();
    expect(h.idleConnections).toBe(0);
  });

  it("does not reuse a backend still answering its client's last query: the next session sees only its own results", async () => {
    const startup = serialize.startupMessage({ user: DB_USER, database: DB_NAME, application_name: 'pipelined' });
    const first = await tlsClient();
    first.write(startup);
    await first.readUntil('Z');
    // The query and the goodbye in one write, its answer never read.
    first.write(Buffer.concat([serialize.query("select 'first', pg_sleep(0.2)"), serialize.terminate()]));
    await first.closed();
    await h.idle();
    expect(h.idleConnections).toBe(0);

    const second = await tlsClient();
    second.write(startup);
    await second.readUntil('Z');
    second.write(serialize.query("select 'second'"));
    const answer = await second.readUntil('Z');
    expect(answer.map((m) => m.type)).toEqual(['T', 'D', 'C', 'Z']);
    expect(answer[1]!.body.toString()).toContain('second');
    second.write(serialize.terminate());
    await second.closed();
    await h.idle();
    await idleCount(1);
  });

  it('keeps connections of different startup settings apart, and at most max_idle of one kind', async () => {
    const a = await h.connect({ application_name: 'one' });
    const b = await h.connect({ application_name: 'one' });
    const c = await h.connect({ application_name: 'one' });
    const other = await h.connect({ application_name: 'two' });
    const pids = await Promise.all([a, b, c, other].map(async (x) => (await x.query('select pg_backend_pid() as pid')).rows[0].pid as number));
    await Promise.all([a, b, c].map((x) => x.end()));
    // Three left; two are kept (max_idle), the third closed.
    await idleCount(REUSE.maxIdle);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.idleConnections).toBe(REUSE.maxIdle);
    const next = await h.connect({ application_name: 'one' });
    expect(pids.slice(0, 3)).toContain((await next.query('select pg_backend_pid() as pid')).rows[0].pid);
    expect((await next.query('select current_setting($1) as s', ['application_name'])).rows[0].s).toBe('one');
    await Promise.all([next.end(), other.end()]);
    await h.idle();
    await idleCount(REUSE.maxIdle + 1);
  });

  it('drops an idle backend the database terminated, and the next session still gets in', async () => {
    const first = await pid();
    await idleCount(1);
    await h.db.query(`select pg_terminate_backend(${first})`);
    await idleCount(0);
    const second = await pid();
    expect(second).not.toBe(first);
  });

  it('closes idle connections after idle_timeout', async () => {
    h.config.database = { ...h.config.database, name: `${SERVICE}-short`, reuseConnections: { ...REUSE, idleTimeoutMs: 300 } };
    await pid();
    await idleCount(1);
    await idleCount(0);
  });

  it("gives each session its own cancel key: a cancel with an earlier session's key reaches nothing", async () => {
    const first = await h.connect({ application_name: 'cancel' });
    const earlier = [...h.liveKeys.values()][0]!;
    await first.end();
    await h.idle();
    await idleCount(1);

    const second = await h.connect({ application_name: 'cancel' });
    const sleeping = second.query('select pg_sleep(30)').catch((err: unknown) => err as { code?: string });
    await eventually(() => h.queryDrafts().some((d) => 'db_query' in d && d.db_query === 'select pg_sleep(30)'), 10_000, 'the query to be sent');
    const current = [...h.liveKeys.values()][0]!;
    expect(current.pid).toBe(earlier.pid);
    expect(current.client.pid).toBe(earlier.client.pid);
    expect(current.client.key).not.toBe(earlier.client.key);
    // Neither client is told the real key.
    expect(current.client.key).not.toBe(current.key);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await sendCancel(earlier.client.pid, earlier.client.key)).toBe(false);
    expect(await sendCancel(current.client.pid, current.client.key)).toBe(true);
    expect(await sleeping).toMatchObject({ code: '57014' }); // query_canceled
    await second.end();
  });
});

/** A hand-driven client past SSLRequest and TLS, as the harness's proxy side wants. */
async function tlsClient(): Promise<WireClient> {
  const client = await WireClient.connect(h.port);
  client.write(serialize.sslRequest());
  expect((await client.read(1)).toString()).toBe('S');
  await client.startTls();
  return client;
}

/** A CancelRequest to the harness, as a client would send it; resolves with whether the harness routed it. */
async function sendCancel(pidValue: number, key: number): Promise<boolean> {
  const { connect } = await import('node:net');
  const before = h.cancels.length;
  await new Promise<void>((resolve, reject) => {
    const socket = connect(h.port, '127.0.0.1', () => {
      const packet = Buffer.alloc(16);
      packet.writeInt32BE(16, 0);
      packet.writeInt32BE(80877102, 4);
      packet.writeUInt32BE(pidValue >>> 0, 8);
      packet.writeUInt32BE(key >>> 0, 12);
      socket.end(packet);
    });
    socket.on('error', reject);
    socket.on('close', () => resolve());
    socket.resume();
  });
  await eventually(() => h.cancels.length > before, 5_000, 'the harness to read the cancel request');
  return h.cancels.at(-1)!.routed;
}
