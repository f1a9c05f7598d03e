import { spawn } from 'node:child_process';
import { run } from '@postern/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgStack, type PgStack } from './helpers/pg-stack';

/** What the Auth Service tells a removed agent, and the agent's process says as it exits. */
const REMOVAL_MESSAGE = /was removed by postern-admin at \d{4}-\d\d-\d\dT[\d:.]+Z; join it again with a new token: `postern admin tokens add --type agent`/;

/**
 * Locking out a compromised agent with real processes: a cluster (web + proxy), an agent
 * process serving a real PostgreSQL, psql through the proxy. `postern admin agents rm
 * --force` while the agent is online cuts its tunnel and the session on it within seconds,
 * and the agent process, told by the proxy and then the Auth Service, stops with an error;
 * the same agent started again on the same data dir exits at once and stays gone.
 */
describe('removing an online agent revokes it', { timeout: 240_000 }, () => {
  let stack: PgStack;
  const psql = (args: string[]) => run('psql', ['service=postern-demo', '-X', ...args], { env: stack.env, timeoutMs: 30_000 });
  const admin = (args: string[]) => stack.c.postern(['admin', ...args, '--config', stack.c.configFile]);
  const listAgents = async (): Promise<{ id: string; name: string; status: string }[]> => {
    const r = await admin(['agents', 'ls', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { agents: { id: string; name: string; status: string }[] }).agents;
  };

  beforeAll(async () => {
    stack = await startPgStack({ login: true });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  /** Resolves once `select pg_sleep(60)` runs on the database itself (the session is carried). */
  async function sleeperRunning(): Promise<boolean> {
    const client = new pg.Client({ connectionString: stack.pg.superuserUrl });
    await client.connect();
    try {
      for (let i = 0; i < 300; i++) {
        const { rows } = await client.query<{ n: number }>("select count(*)::int as n from pg_stat_activity where query like 'select pg_sleep(60)%'");
        if (rows[0]!.n > 0) return true;
        await new Promise((r) => setTimeout(r, 100));
      }
      return false;
    } finally {
      await client.end();
    }
  }

  it('refuses without --force, then cuts the tunnel and its session within seconds; clients are turned away; the agent stops', async () => {
    let agentExit: Promise<{ code: number | null; afterMs: number }> | undefined;
    expect((await psql(['-Atc', 'select 1'])).stdout.trim()).toBe('1');
    const [agent] = await listAgents();
    expect(agent).toMatchObject({ status: 'online' });

    const refused = await admin(['agents', 'rm', agent!.id]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/is online .*--force/);
    expect((await psql(['-Atc', 'select 1'])).code).toBe(0);

    // A session in progress on the tunnel.
    const sleeper = spawn('psql', ['service=postern-demo', '-X', '-c', 'select pg_sleep(60)'], { env: stack.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let sleeperErr = '';
    sleeper.stderr.on('data', (d: Buffer) => (sleeperErr += d.toString()));
    const sleeperExit = new Promise<number | null>((resolve) => sleeper.once('exit', resolve));
    try {
      expect(await sleeperRunning(), `the query never started; psql said: ${sleeperErr}`).toBe(true);

      const removed = await admin(['agents', 'rm', agent!.id, '--force']);
      expect(removed.code, removed.stderr).toBe(0);
      expect(removed.stdout).toContain(`Agent ${agent!.name} (${agent!.id}) removed, with demo; its host is revoked`);
      const removedAt = Date.now();
      // The refused tunnel makes the agent ask the Auth Service at once, not at its next
      // heartbeat (30 s): it learns it was removed and its process ends.
      agentExit = stack.agent.exited.then((code) => ({ code, afterMs: Date.now() - removedAt }));

      // The proxy closes the revoked agent's tunnel: the session on it ends, long before its 60 s.
      const code = await Promise.race([sleeperExit, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 15_000))]);
      expect(code, `psql: ${sleeperErr}`).not.toBe('still running');
      expect(code).not.toBe(0);
      expect(Date.now() - removedAt).toBeLessThan(10_000);
    } finally {
      sleeper.kill('SIGKILL');
    }

    // The removal took the databases the agent registered with it, so the proxy knows no
    // "demo" any more (with a second agent serving it, this would be that agent's to carry).
    const down = await psql(['-Atc', 'select 1']);
    expect(down.code).not.toBe(0);
    expect(down.stderr).toContain('unknown database "demo"');
    expect(await listAgents()).toEqual([]);

    // The agent process stops itself with an error, without waiting for its next heartbeat.
    const exit = await Promise.race([agentExit!, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 60_000))]);
    const logs = stack.agent.logs();
    expect(exit, logs).not.toBe('still running');
    const { code, afterMs } = exit as { code: number | null; afterMs: number };
    expect(code, logs).toBe(78);
    expect(afterMs, logs).toBeLessThan(15_000);
    // It read why the proxy turned it away, and what the Auth Service says: who, when, what to do.
    expect(logs).toContain('this agent was removed from the cluster and its host id revoked');
    expect(logs).toContain('"msg":"this agent was removed from the cluster; stopping"');
    expect(logs).toMatch(REMOVAL_MESSAGE);
    expect(logs).toContain('"msg":"the agent was removed from the cluster; postern start exits"');
  });

  it('keeps the same agent out when it starts again on its data dir: it exits at once with why, no tunnel, not listed', async () => {
    await stack.agent.stop();
    // `postern start` of the removed agent ends by itself: its first heartbeat is refused
    // with what happened and what to do, and there is nothing to run.
    const startedAt = Date.now();
    const again = await stack.c.postern(['start', '--config', stack.agentConfigFile], { env: { POSTERN_LOG_LEVEL: 'info' } });
    const output = again.stdout + again.stderr;
    expect(again.code, output).toBe(78);
    expect(Date.now() - startedAt, output).toBeLessThan(30_000);
    // On stderr, as `postern: …`, whatever the log level: who removed it, when, what to do.
    expect(again.stderr).toMatch(new RegExp(`^postern: agent .+ ${REMOVAL_MESSAGE.source}`, 'm'));
    expect(output).toContain('"msg":"this agent was removed from the cluster; stopping"');
    expect(output).not.toContain('"msg":"tunnel up"');
    expect(output).not.toContain('"msg":"postern ready"');

    // Nothing of it came back: the database stays unreachable.
    for (let i = 0; i < 3; i++) {
      const r = await psql(['-Atc', 'select 1']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('unknown database "demo"');
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(await listAgents()).toEqual([]);
  });
});
