import { run, type TestPostgres } from '@postern/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgStack, type PgStack } from './helpers/pg-stack';
import { expectPsqlCtrlCCancels } from './helpers/psql-cancel';

/**
 * `reuse_connections: true` with real processes: psql and pgbench → proxy → tunnel →
 * agent → PostgreSQL. Sessions that end cleanly leave their backend to the next one, and
 * Ctrl-C still cancels on a backend that served another session before.
 */
describe('reused PostgreSQL connections through proxy and agent', () => {
  let stack: PgStack;
  let pgServer: TestPostgres;
  let env: NodeJS.ProcessEnv;

  const psql = (sql: string) => run('psql', ['service=postern-demo', '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql], { env, timeoutMs: 30_000 });

  async function superuser<T>(sql: string): Promise<T> {
    const admin = new pg.Client({ connectionString: pgServer.superuserUrl });
    await admin.connect();
    try {
      return (await admin.query(sql)).rows[0] as T;
    } finally {
      await admin.end();
    }
  }

  /** Until the agent has reset the backend its last client left (a round trip after the client has gone). */
  async function resetDone(pid: number): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const row = await superuser<{ query: string; state: string } | undefined>(`select query, state from pg_stat_activity where pid = ${pid}`);
      if (row?.query === 'DISCARD ALL' && row.state === 'idle') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`backend ${pid} was not reset for reuse`);
  }

  beforeAll(async () => {
    stack = await startPgStack({
      login: true,
      databases: ({ pg: server }) => [{ name: 'demo', protocol: 'postgres', uri: `127.0.0.1:${server.port}`, labels: { env: 'dev' }, reuse_connections: true }],
    });
    ({ pg: pgServer, env } = stack);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('gives one psql session after another the same backend', async () => {
    const first = await psql('select pg_backend_pid()');
    expect(first.stderr).toBe('');
    await resetDone(Number(first.stdout.trim()));
    const second = await psql('select pg_backend_pid(), current_user');
    expect(second.stderr).toBe('');
    expect(second.stdout.trim()).toBe(`${first.stdout.trim()}|alice`);
  });

  it('runs pgbench with a new connection per transaction on a handful of backends', async () => {
    const init = await run('pgbench', ['-i', '-s', '1', '-q', 'service=postern-demo'], { env, timeoutMs: 120_000 });
    expect(init.code, init.stderr).toBe(0);
    const before = await superuser<{ n: string }>("select sessions as n from pg_stat_database where datname = 'app'");
    const r = await run('pgbench', ['-n', '-S', '-C', '-c', '2', '-j', '2', '-t', '50', 'service=postern-demo'], { env, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/number of failed transactions: 0/);
    const after = await superuser<{ n: string }>("select sessions as n from pg_stat_database where datname = 'app'");
    // 100 connections through Postern; without reuse that is 100 backends.
    expect(Number(after.n) - Number(before.n)).toBeLessThan(20);
  });

  it('cancels a running query with Ctrl-C on a reused backend', { timeout: 120_000 }, async () => {
    // psql's own backend from the first test, kept for the next psql.
    const kept = await superuser<{ pid: number } | undefined>(
      "select pid from pg_stat_activity where datname = 'app' and application_name = 'psql' and state = 'idle' and query = 'DISCARD ALL'",
    );
    expect(kept, 'an idle psql backend kept for reuse').toBeDefined();
    expect(await expectPsqlCtrlCCancels(env, pgServer.superuserUrl)).toBe(kept!.pid);
  });
});
