import { readFileSync } from 'node:fs';
import path from 'node:path';
import { run, type TestPostgres } from '@postern/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, type PosternProcess } from './helpers/cluster';
import { startPgStack, type PgStack } from './helpers/pg-stack';
import { scrape, sampleValue, scrapeUntil } from './helpers/metrics';
import { expectPsqlCtrlCCancels } from './helpers/psql-cancel';

/**
 * The whole native PostgreSQL path with real processes: psql → proxy (with web, one
 * process) → reverse tunnel → agent (another process) → PostgreSQL with TLS and
 * certificate authentication.
 */
describe('native PostgreSQL access through proxy and agent', () => {
  let stack: PgStack;
  let c: Cluster;
  let pgServer: TestPostgres;
  let agent: PosternProcess;
  let proxyPort: number;
  let alice: string;
  let env: NodeJS.ProcessEnv;

  const psql = (args: string[], opts: { input?: string; timeoutMs?: number } = {}) =>
    run('psql', ['service=postern-demo', '-X', '-v', 'ON_ERROR_STOP=1', ...args], { env, input: opts.input, timeoutMs: opts.timeoutMs ?? 30_000 });

  beforeAll(async () => {
    // The database with TLS and certificate auth, the agent in another process, and alice
    // (a role that allows demo as db user alice) logged in with `postern db login demo`.
    stack = await startPgStack({ login: true, metrics: true });
    ({ c, pg: pgServer, agent, proxyPort, alice, env } = stack);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('counts sessions and refusals in both processes’ Prometheus metrics, and answers /healthz', async () => {
    const { cluster, agent: agentUrl } = stack.metrics!;
    // Where to scrape, in the summary people read and in the ready line log collectors read.
    expect(c.logs()).toContain(`  Metrics:        ${cluster}/metrics (Prometheus), /healthz`);
    expect(agent.logs()).toContain(`"metrics":"${agentUrl}/metrics"`);
    for (const base of [cluster, agentUrl]) {
      const health = await fetch(`${base}/healthz`);
      expect([health.status, await health.text()]).toEqual([200, 'ok\n']);
    }
    const proxyBefore = await scrape(cluster);
    const agentBefore = await scrape(agentUrl);
    expect(sampleValue(proxyBefore, 'postern_proxy_connected_agents')).toBe(1);
    expect(sampleValue(agentBefore, 'postern_agent_tunnel_connected')).toBe(1);
    // Node's own, from the same port: what dashboards for Node services read.
    expect(proxyBefore.has('postern_process_resident_memory_bytes')).toBe(true);

    expect((await psql(['-Atc', 'select 1'])).stdout.trim()).toBe('1');
    // A database name this certificate is not for: refused by the proxy before any agent.
    const refused = await run('psql', ['service=postern-demo dbname=postgres', '-X', '-Atc', 'select 1'], { env, timeoutMs: 30_000 });
    expect(refused.code).not.toBe(0);

    const proxyAfter = await scrape(cluster);
    const agentAfter = await scrape(agentUrl);
    const delta = (before: Map<string, number>, after: Map<string, number>, series: string) => sampleValue(after, series) - sampleValue(before, series);
    expect(delta(proxyBefore, proxyAfter, 'postern_proxy_client_connections_total{protocol="postgres"}')).toBe(1);
    expect(delta(proxyBefore, proxyAfter, 'postern_proxy_refused_connections_total{protocol="postgres",reason="denied"}')).toBe(1);
    expect(delta(proxyBefore, proxyAfter, 'postern_proxy_dial_seconds_count{protocol="postgres"}')).toBe(1);
    expect(delta(agentBefore, agentAfter, 'postern_agent_sessions_total{database="demo",protocol="postgres",access_through="native"}')).toBe(1);
    // Gauges fall back once each process has finished with the session, a moment after psql exits.
    for (const [base, series] of [
      [agentUrl, 'postern_agent_active_sessions{database="demo",protocol="postgres"}'],
      [cluster, 'postern_proxy_active_sessions{protocol="postgres"}'],
    ] as const) {
      await scrapeUntil(base, (samples) => sampleValue(samples, series) === 0, `${series} back at 0`);
    }

    // The session's events reach the Auth Service's store within a second or so (the agent's spool batches them).
    const stored = 'postern_auth_audit_events_stored_total';
    await scrapeUntil(cluster, (samples) => sampleValue(samples, stored) > sampleValue(proxyBefore, stored), `${stored} to grow`);

    // The web app's requests too: the agent's audit deliveries and heartbeats are API calls.
    const apiRequests = [...proxyAfter.keys()].filter((k) => k.startsWith('postern_web_http_requests_total{kind="api",'));
    expect(apiRequests.length).toBeGreaterThan(0);

    const wrong = await fetch(`${cluster}/metrics`, { method: 'POST' });
    expect(wrong.status).toBe(405);
    expect((await fetch(`${cluster}/`)).status).toBe(404);
  });

  it('runs a psql round trip', async () => {
    const r = await psql(['-Atc', 'select current_user, current_database()']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('alice|app');
  });

  it('serves meta-commands, COPY in and out', async () => {
    expect((await psql(['-c', 'create table items (id int primary key, name text)'])).code).toBe(0);
    const copyIn = await psql(['-c', '\\copy items from stdin with (format csv)'], { input: '1,one\n2,two\n3,three\n' });
    expect(copyIn.stderr).toBe('');
    const d = await psql(['-c', '\\d items']);
    expect(d.stdout).toMatch(/Table "public\.items"/);
    expect(d.stdout).toMatch(/items_pkey/);
    const out = await psql(['-Atc', 'copy (select id, name from items order by id) to stdout with (format csv)']);
    expect(out.stdout).toBe('1,one\n2,two\n3,three\n');
  });

  it('runs pgbench in simple, extended and prepared modes', async () => {
    const init = await run('pgbench', ['-i', '-s', '1', '-q', 'service=postern-demo'], { env, timeoutMs: 120_000 });
    expect(init.code, init.stderr).toBe(0);
    for (const mode of ['simple', 'extended', 'prepared']) {
      const r = await run('pgbench', ['-n', '-M', mode, '-c', '4', '-j', '2', '-t', '50', 'service=postern-demo'], { env, timeoutMs: 120_000 });
      expect(r.code, `${mode}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/number of failed transactions: 0/);
    }
  });

  it('cancels a running query when psql gets Ctrl-C', { timeout: 120_000 }, async () => {
    await expectPsqlCtrlCCancels(env, pgServer.superuserUrl);
  });

  it('carries 200 concurrent connections', async () => {
    const ssl = {
      ca: readFileSync(path.join(alice, 'keys', 'cas', 'host.pem'), 'utf8'),
      cert: readFileSync(path.join(alice, 'keys', 'db', 'demo.crt'), 'utf8'),
      key: readFileSync(path.join(alice, 'keys', 'db', 'demo.key'), 'utf8'),
      servername: 'localhost',
    };
    const clients = Array.from({ length: 200 }, () => new pg.Client({ host: '127.0.0.1', port: proxyPort, user: 'alice', database: 'app', ssl }));
    try {
      await Promise.all(clients.map((cl) => cl.connect()));
      const rows = await Promise.all(clients.map((cl, i) => cl.query('select $1::int as n', [i])));
      expect(rows.map((r) => r.rows[0].n)).toEqual(clients.map((_, i) => i));
    } finally {
      await Promise.all(clients.map((cl) => cl.end().catch(() => undefined)));
    }
  });

  it('records one db.session.query per query sent', async () => {
    const marker = `m${Date.now()}`;
    const queries = [`select '${marker}'`, 'select 1', 'select 2', 'select now()', "select 'x'"];
    // One psql session, five Query messages.
    const session = await psql([], { input: queries.map((q) => `${q};`).join('\n') + '\n' });
    expect(session.code, session.stderr).toBe(0);
    const admin = c.newHome();
    await c.postern(['admin', 'users', 'sign', 'admin', '--out', admin, '--config', c.configFile]);
    const search = async (args: string[]) => {
      const res = await c.postern(['audit', 'search', '--format', 'json', '--limit', '5000', ...args], { home: admin });
      expect(res.code, res.stderr).toBe(0);
      return JSON.parse(res.stdout) as { sid: string; db_query: string; event: string; user: string }[];
    };
    // The agent ships events in batches; give the last one a moment.
    let sid: string | undefined;
    for (let i = 0; i < 30 && !sid; i++) {
      const hits = await search(['--event', 'db.session.query', '--query', marker]);
      // psql sends what it reads from stdin with the statement's semicolon.
      sid = hits.find((e) => e.db_query === `select '${marker}';`)?.sid;
      if (!sid) await new Promise((res) => setTimeout(res, 200));
    }
    expect(sid).toBeDefined();
    const all = await search(['--event', 'db.session.query', '--db', 'demo']);
    const ofSession = all.filter((e) => e.sid === sid);
    expect(ofSession.map((e) => e.db_query).sort()).toEqual(queries.map((q) => `${q};`).sort());
    expect(ofSession.every((e) => e.user === 'alice')).toBe(true);
    const starts = await search(['--event', 'db.session.start', '--db', 'demo']);
    expect(starts.some((e) => e.sid === sid)).toBe(true);
  });

  it('tells a client without a certificate what to do', async () => {
    const r = await run('psql', [`host=localhost port=${proxyPort} user=alice dbname=app sslmode=verify-full sslrootcert=${path.join(alice, 'keys', 'cas', 'host.pem')}`, '-Xc', 'select 1'], {
      env: { ...process.env, HOME: alice, PGSERVICEFILE: '/nonexistent' },
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no client certificate/);
    expect(r.stderr).toMatch(/postern db login/);
  });

  it('refuses a certificate used for another db user or db name', async () => {
    const other = await run('psql', ['service=postern-demo user=postgres', '-Xc', 'select 1'], { env });
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(/this certificate is for database "demo" as db user "alice"/);
  });

  it('refuses a locked user at the agent, though the certificate is still valid', async () => {
    expect((await c.postern(['admin', 'users', 'lock', 'alice', '--config', c.configFile])).code).toBe(0);
    await new Promise((r) => setTimeout(r, 5_500)); // the agent's access cache
    const series = 'postern_agent_refused_sessions_total{database="demo",reason="roles"}';
    const before = sampleValue(await scrape(stack.metrics!.agent), series);
    const r = await psql(['-Atc', 'select 1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/locked/);
    expect(sampleValue(await scrape(stack.metrics!.agent), series) - before).toBe(1);
    expect((await c.postern(['admin', 'users', 'unlock', 'alice', '--config', c.configFile])).code).toBe(0);
  });

  it('says "no agent online" while the agent is down, and works again after its restart', async () => {
    await agent.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    const down = await psql(['-Atc', 'select 1']);
    expect(down.code).not.toBe(0);
    expect(down.stderr).toMatch(/no agent is online for database "demo"/);
    agent = await stack.startAgent();
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
      ok = (await psql(['-Atc', 'select 1'])).code === 0;
      if (!ok) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ok).toBe(true);
  });

  it('gets its tunnel back by itself when the proxy restarts', async () => {
    await c.restart();
    let ok = false;
    const until = Date.now() + 30_000;
    while (!ok && Date.now() < until) {
      ok = (await psql(['-Atc', 'select 1'])).code === 0;
      if (!ok) await new Promise((r) => setTimeout(r, 300));
    }
    expect(ok).toBe(true);
  });

  it('reports a database that is down', async () => {
    await pgServer.stop();
    const r = await psql(['-Atc', 'select 1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unreachable/);
  });
});
