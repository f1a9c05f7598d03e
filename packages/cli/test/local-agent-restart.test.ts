import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, run } from '@postern/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeSignup } from './helpers/api';
import { POSTERN_BIN, startPosternProcess, type PosternProcess } from './helpers/cluster';

const PASSWORD = 'correct horse battery staple';

interface AgentRow {
  id: string;
  name: string;
  status: string;
  databases: { name: string }[];
}
interface DatabaseRow {
  name: string;
  status: string;
  agents: number;
}

/**
 * `postern start` with web, proxy and an agent in one process, restarted on the same data
 * dir: the agent keeps its host id, so there is one agent afterwards, not one per start,
 * and each database is listed once, online; a database taken out of the config is gone.
 * Removing that agent stops it alone; web and proxy keep running.
 */
describe('postern start: the in-process agent across restarts', () => {
  let root: string;
  let configFile: string;
  let postern: PosternProcess | undefined;
  let config: Record<string, unknown>;
  let userEnv: NodeJS.ProcessEnv;
  let firstAgentId = '';
  let starts = 0;
  // Nothing listens here: registration does not need the databases to be up.
  let nowhere = '';

  const cli = (args: string[], env: NodeJS.ProcessEnv = userEnv) => run(process.execPath, [POSTERN_BIN, ...args], { env, timeoutMs: 60_000 });
  const admin = (args: string[]) => cli(['admin', ...args, '--config', configFile]);

  const withDatabases = (names: string[]) => ({
    ...config,
    agent: { ...(config.agent as object), databases: names.map((name) => ({ name, protocol: 'postgres', uri: nowhere, labels: { env: 'dev' } })) },
  });

  async function start(databases: string[]): Promise<string> {
    await postern?.stop().then((code) => expect(code).toBe(0));
    postern = await startPosternProcess(configFile, withDatabases(databases));
    starts++;
    return postern.logs();
  }

  async function agents(): Promise<AgentRow[]> {
    const r = await admin(['agents', 'ls', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { agents: AgentRow[] }).agents;
  }

  async function databases(): Promise<DatabaseRow[]> {
    const r = await cli(['db', 'ls', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { databases: DatabaseRow[] }).databases;
  }

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'postern-restart-'));
    const dataDir = path.join(root, 'data');
    configFile = path.join(root, 'postern.yaml');
    const [webPort, proxyPort, mysqlPort, unused] = [await freePort(), await freePort(), await freePort(), await freePort()];
    nowhere = `127.0.0.1:${unused}`;
    config = {
      cluster_name: 'test',
      data_dir: dataDir,
      auth: { second_factor: 'off' },
      web: { enabled: true, listen: `127.0.0.1:${webPort}` },
      proxy: { enabled: true, listen: `127.0.0.1:${proxyPort}`, mysql_listen: `127.0.0.1:${mysqlPort}`, public_addr: `localhost:${proxyPort}` },
      agent: { enabled: true, proxy_addr: `localhost:${proxyPort}` },
    };
    const out = await start(['alpha', 'beta']);
    const signupUrl = /First admin: +open (\S+)/.exec(out)?.[1];
    expect(signupUrl, out).toBeDefined();
    await completeSignup(`http://127.0.0.1:${webPort}`, signupUrl!, PASSWORD);
    const home = path.join(root, 'home');
    userEnv = { ...process.env, POSTERN_HOME: home, HOME: home };
    const login = await run(
      process.execPath,
      [POSTERN_BIN, 'login', '--proxy', `localhost:${proxyPort}`, '--ca-file', path.join(dataDir, 'host-ca.pem'), '--user', 'admin', '--password-stdin'],
      { input: PASSWORD, env: userEnv, timeoutMs: 60_000 },
    );
    expect(login.code, login.stderr).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await postern?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it('registers one agent with the databases of the config', async () => {
    const list = await agents();
    expect(list.map((a) => ({ status: a.status, dbs: a.databases.map((d) => d.name) }))).toEqual([{ status: 'online', dbs: ['alpha', 'beta'] }]);
    firstAgentId = list[0]!.id;
    expect((await databases()).map((d) => `${d.name}:${d.status}:${d.agents}`)).toEqual(['alpha:online:1', 'beta:online:1']);
  });

  it('is the same agent after a restart, and a database taken out of the config is gone', async () => {
    await start(['alpha', 'gamma']);
    const list = await agents();
    expect(list.map((a) => ({ id: a.id, status: a.status, dbs: a.databases.map((d) => d.name) }))).toEqual([
      { id: firstAgentId, status: 'online', dbs: ['alpha', 'gamma'] },
    ]);
    expect((await databases()).map((d) => `${d.name}:${d.status}:${d.agents}`)).toEqual(['alpha:online:1', 'gamma:online:1']);
  }, 180_000);

  it('stays one agent over further restarts', async () => {
    await start(['alpha', 'gamma']);
    await start(['alpha', 'gamma']);
    const list = await agents();
    expect(list.map((a) => `${a.id}:${a.status}`)).toEqual([`${firstAgentId}:online`]);
    expect((await databases()).map((d) => `${d.name}:${d.status}:${d.agents}`)).toEqual(['alpha:online:1', 'gamma:online:1']);
  }, 300_000);

  it('gives the agent and the proxy a new certificate for the same host id on every start', async () => {
    type CertEvent = { cert_type: string; identity: { user: string; roles: string[] } };
    let hostCerts: CertEvent[] = [];
    // The Auth Service writes its events in batches: the last start's may take a moment.
    for (let i = 0; i < 30 && hostCerts.length < 2 * starts; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 500));
      const r = await cli(['audit', 'search', '--event', 'cert.create', '--limit', '100', '--format', 'json']);
      expect(r.code, r.stderr).toBe(0);
      hostCerts = (JSON.parse(r.stdout) as CertEvent[]).filter((e) => e.cert_type === 'host');
    }
    const idsOf = (role: string) => new Set(hostCerts.filter((e) => e.identity.roles.includes(role)).map((e) => e.identity.user));
    expect(hostCerts).toHaveLength(2 * starts);
    expect([...idsOf('agent')]).toEqual([firstAgentId]);
    expect(idsOf('proxy').size).toBe(1);
    expect(idsOf('proxy').has(firstAgentId)).toBe(false);
  });

  it('refuses to remove the agent while it is online', async () => {
    const r = await admin(['agents', 'rm', firstAgentId]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is online \(last heartbeat \d+ s ago\): stop it first/);
    const unknown = await admin(['agents', 'rm', 'no-such-agent']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no agent no-such-agent');
    expect((await agents()).map((a) => a.id)).toEqual([firstAgentId]);
  });

  it('removed with --force, the agent stops alone: web and proxy keep running', async () => {
    const r = await admin(['agents', 'rm', firstAgentId, '--force']);
    expect(r.code, r.stderr).toBe(0);
    // The proxy closes the removed agent's tunnel, the agent asks the Auth Service at once and
    // stops itself; this process says so and goes on.
    await expect
      .poll(() => postern!.logs(), { timeout: 30_000 })
      .toContain('"msg":"the agent of this process was removed from the cluster and has stopped; web and proxy keep running"');
    expect(postern!.logs()).toMatch(/was removed by \S+ at \d{4}-\d\d-\d\dT[\d:.]+Z; join it again/);
    const stillRunning = await Promise.race([postern!.exited.then(() => 'exited'), new Promise<string>((resolve) => setTimeout(() => resolve('running'), 2_000))]);
    expect(stillRunning, postern!.logs()).toBe('running');
    // Web (the Auth Service) answers, through the proxy: the person's CLI reaches both.
    expect(await agents()).toEqual([]);
    expect(await databases()).toEqual([]);
  }, 120_000);
});
