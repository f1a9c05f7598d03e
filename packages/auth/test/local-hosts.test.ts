import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HeartbeatRequest } from '@postern/api';
import { loadConfig } from '@postern/config';
import { verifyHostCertificate } from '@postern/pki';
import { builtinRoles } from '@postern/rbac';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AdminCaller, HostCaller, UserCaller } from '../src/caller';
import { localHostId, localHostIdsPath } from '../src/hosts/local-host-identity';
import { AuthService } from '../src/service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'postern-local-hosts-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('localHostId', () => {
  it('makes an id once per role and gives the same one on every later call', () => {
    const dir = tempDir();
    const agent = localHostId(dir, 'agent');
    const proxy = localHostId(dir, 'proxy');
    expect(agent).toMatch(UUID);
    expect(proxy).toMatch(UUID);
    expect(proxy).not.toBe(agent);
    expect(localHostId(dir, 'agent')).toBe(agent);
    expect(localHostId(dir, 'proxy')).toBe(proxy);
    expect(JSON.parse(readFileSync(localHostIdsPath(dir), 'utf8'))).toEqual({ agent, proxy });
    expect(statSync(localHostIdsPath(dir)).mode & 0o777).toBe(0o600);
  });

  it('gives another data dir ids of its own', () => {
    expect(localHostId(tempDir(), 'agent')).not.toBe(localHostId(tempDir(), 'agent'));
  });

  it('creates the data dir when it does not exist yet', () => {
    const dir = path.join(tempDir(), 'not', 'yet');
    expect(localHostId(dir, 'agent')).toBe(localHostId(dir, 'agent'));
  });

  it('replaces an unreadable file, says so, and keeps the new id', () => {
    const dir = tempDir();
    writeFileSync(localHostIdsPath(dir), '{"agent": "not-a-uuid"');
    const warnings: string[] = [];
    const id = localHostId(dir, 'agent', (m) => warnings.push(m));
    expect(id).toMatch(UUID);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('host-ids.json is unreadable');
    expect(localHostId(dir, 'agent', (m) => warnings.push(m))).toBe(id);
    expect(warnings).toHaveLength(1);
  });
});

/** The Auth Service on a PGlite data dir, as `postern start` opens it; `clock` moves its time. */
async function openService(dataDir: string, clock: { offsetMs: number }): Promise<AuthService> {
  const loaded = loadConfig({ dataDir, env: {} });
  return AuthService.open(loaded, {
    internalUrl: 'http://127.0.0.1:1',
    publicUrl: 'https://localhost:3080',
    env: {},
    now: () => new Date(Date.now() + clock.offsetMs),
  });
}

const admin: AdminCaller = { kind: 'admin', name: 'postern-admin', roleNames: ['admin'], roles: [builtinRoles.admin], expires: new Date(Date.now() + 3600_000) };
const person: UserCaller = {
  kind: 'user',
  userId: '00000000-0000-4000-8000-000000000001',
  name: 'bob',
  roleNames: ['access'],
  roles: [builtinRoles.access],
  traits: {},
  sessionId: '00000000-0000-4000-8000-000000000002',
  sessionKind: 'cert',
  expires: new Date(Date.now() + 3600_000),
};

function db(name: string): HeartbeatRequest['databases'][number] {
  return { name, protocol: 'postgres', uri: `127.0.0.1:5432`, labels: { env: 'dev' }, server_version: '' };
}

describe('the in-process agent across restarts of the Auth Service', () => {
  const clock = { offsetMs: 0 };
  let dataDir: string;
  let service: AuthService | undefined;

  /** The host caller the Auth Service would see for this certificate. */
  function hostCaller(s: AuthService, certPem: string): HostCaller {
    return { kind: 'host', host: verifyHostCertificate(certPem, { trusted: [s.ctx.cas.host.certPem], role: 'agent' }) };
  }

  async function restart(): Promise<AuthService> {
    await service?.close();
    service = await openService(dataDir, clock);
    return service;
  }

  beforeAll(() => {
    dataDir = tempDir();
  });
  afterEach(() => {
    clock.offsetMs = 0;
  });
  afterAll(async () => {
    await service?.close();
  });

  it('keeps one host id, gets a new certificate for it on every start, and replaces its databases', async () => {
    let s = await restart();
    const first = await s.localHostIdentity('agent', { hostname: 'local-agent', dnsNames: [], ips: [] });
    const firstProxy = await s.localHostIdentity('proxy', { hostname: 'localhost', dnsNames: ['localhost'], ips: ['127.0.0.1'] });
    expect(hostCaller(s, first.certPem).host.hostId).toBe(first.hostId);
    await s.heartbeat(hostCaller(s, first.certPem), { name: 'local', version: '0.1.0', databases: [db('demo'), db('old')] });

    s = await restart();
    const second = await s.localHostIdentity('agent', { hostname: 'local-agent', dnsNames: [], ips: [] });
    const secondProxy = await s.localHostIdentity('proxy', { hostname: 'localhost', dnsNames: ['localhost'], ips: ['127.0.0.1'] });
    expect(second.hostId).toBe(first.hostId);
    expect(secondProxy.hostId).toBe(firstProxy.hostId);
    expect(second.certPem).not.toBe(first.certPem);
    expect(second.keyPem).not.toBe(first.keyPem);
    const verified = hostCaller(s, second.certPem).host;
    expect(verified).toMatchObject({ hostId: first.hostId, role: 'agent', hostname: 'local-agent' });

    // The restarted agent's first heartbeat: 'old' left the config.
    await s.heartbeat(hostCaller(s, second.certPem), { name: 'local', version: '0.1.0', databases: [db('demo'), db('new')] });
    const agents = await s.listAgents(admin);
    expect(agents.map((a) => ({ id: a.id, status: a.status, dbs: a.databases.map((d) => d.name) }))).toEqual([
      { id: first.hostId, status: 'online', dbs: ['demo', 'new'] },
    ]);
    expect((await s.listDatabases(admin)).map((d) => `${d.name}:${d.status}:${d.agents}`)).toEqual(['demo:online:1', 'new:online:1']);
  });

  it('removes an offline agent with its databases, and records who did', async () => {
    const s = await restart();
    const gone = await s.localHostIdentity('agent', { hostname: 'x', dnsNames: [], ips: [] });
    // Another agent that stopped long ago, with a database nobody else serves.
    const ghostId = '3e1f9a70-2c4b-4d8e-a6f1-0b9c8d7e6f5a';
    await s.ctx.store.prisma.agent.create({
      data: { id: ghostId, name: 'ghost', lastHeartbeat: new Date(Date.now() - 3600_000), databases: { create: [{ id: '3e1f9a70-2c4b-4d8e-a6f1-0b9c8d7e6f5b', name: 'legacy', protocol: 'mysql', uri: '10.0.0.9:3306' }] } },
    });
    expect((await s.listDatabases(admin)).map((d) => `${d.name}:${d.status}`)).toEqual(['demo:online', 'legacy:offline', 'new:online']);

    await s.removeAgent(admin, ghostId);
    expect((await s.listAgents(admin)).map((a) => a.id)).toEqual([gone.hostId]);
    expect((await s.listDatabases(admin)).map((d) => d.name)).toEqual(['demo', 'new']);
    expect(await s.ctx.store.prisma.database.count({ where: { agentId: ghostId } })).toBe(0);

    await s.ctx.audit.flush();
    const events = await s.ctx.store.prisma.auditEvent.findMany({ where: { event: 'agent.delete' } });
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ code: 'TPN001I', user: 'postern-admin', host_id: ghostId, name: 'ghost', databases: ['legacy'], revoked: true, forced: false });
  });

  it('refuses an online agent, an unknown one, and a caller whose roles do not allow it', async () => {
    const s = await restart();
    const { hostId } = await s.localHostIdentity('agent', { hostname: 'x', dnsNames: [], ips: [] });
    await expect(s.removeAgent(admin, hostId)).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/is online .*stop it first, or remove it anyway with --force/) });
    await expect(s.removeAgent(admin, '3e1f9a70-2c4b-4d8e-a6f1-0b9c8d7e6f5a')).rejects.toMatchObject({ status: 404 });
    await expect(s.removeAgent(admin, 'not-a-uuid')).rejects.toMatchObject({ status: 404 });
    clock.offsetMs = 120_000;
    // The service checks the roles before it returns a promise, as for every admin action.
    await expect(Promise.resolve().then(() => s.removeAgent(person, hostId))).rejects.toMatchObject({ status: 403 });
    expect((await s.listAgents(admin)).map((a) => `${a.id}:${a.status}`)).toEqual([`${hostId}:offline`]);
    // Once it is offline an admin may remove it, and its host id is revoked.
    await s.removeAgent(admin, hostId);
    expect(await s.listAgents(admin)).toEqual([]);
    expect(await s.revokedHostIds()).toContain(hostId);
  });

  it('gives the in-process agent a new host id when its old one was removed', async () => {
    const s = await restart();
    const removed = (await s.ctx.store.prisma.revokedHost.findMany()).map((r) => r.hostId);
    expect(removed.length).toBeGreaterThan(0);
    // The agent of this data dir was removed by the test above; its next start is a new agent.
    const next = await s.localHostIdentity('agent', { hostname: 'x', dnsNames: [], ips: [] });
    expect(removed).not.toContain(next.hostId);
    expect(JSON.parse(readFileSync(localHostIdsPath(dataDir), 'utf8')).agent).toBe(next.hostId);
    await s.heartbeat(hostCaller(s, next.certPem), { name: 'local', version: '0.1.0', databases: [db('demo')] });
    expect((await s.listAgents(admin)).map((a) => a.id)).toEqual([next.hostId]);
    // And it keeps that id on the start after.
    expect((await s.localHostIdentity('agent', { hostname: 'x', dnsNames: [], ips: [] })).hostId).toBe(next.hostId);
  });
});
