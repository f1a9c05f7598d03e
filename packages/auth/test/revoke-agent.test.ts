import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signHostRequest, type HeartbeatRequest } from '@postern/api';
import { makeEvent } from '@postern/audit';
import { loadConfig } from '@postern/config';
import { createCsr, generateKeyPair } from '@postern/pki';
import { builtinRoles } from '@postern/rbac';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminCaller, Caller } from '../src/caller';
import { REVOKED_HOSTS_REFRESH_MS } from '../src/hosts/revoked-hosts';
import { AuthService } from '../src/service';

// Removing an agent revokes its host id: whatever the agent's still-valid certificate signs
// is refused from then on, with a message a person can act on. The Auth Service runs on a
// PGlite data dir as `postern start` opens it; agents join with real tokens and sign their
// requests as apps/agent does, and every call goes through authenticate().

const admin: AdminCaller = { kind: 'admin', name: 'postern-admin', roleNames: ['admin'], roles: [builtinRoles.admin], expires: new Date(Date.now() + 3600_000) };
const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/;

interface Agent {
  hostId: string;
  certPem: string;
  keyPem: string;
}

const clock = { offsetMs: 0 };
let dataDir: string;
let s: AuthService;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'postern-revoke-'));
  s = await AuthService.open(loadConfig({ dataDir, env: {} }), {
    internalUrl: 'http://127.0.0.1:1',
    publicUrl: 'https://localhost:3080',
    env: {},
    now: () => new Date(Date.now() + clock.offsetMs),
  });
});
afterAll(async () => {
  await s?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** An agent that joins with a fresh token, as apps/agent/src/identity.ts does. */
async function joinAgent(hostname: string): Promise<Agent> {
  const { token } = await s.createJoinToken(admin, { type: 'agent', ttl: '1h' });
  const key = await generateKeyPair();
  const res = await s.join({ token, csr: createCsr(key, hostname), hostname, role: 'agent' }, '127.0.0.1');
  return { hostId: res.host_id, certPem: res.certificate, keyPem: key.privateKeyPem };
}

/** The caller the Auth Service sees for a request the agent signed (as the web routes authenticate it). */
async function signed(agent: Agent, method: string, route: string, body: unknown): Promise<Caller> {
  const text = JSON.stringify(body);
  const apiPath = `/api/v1${route}`;
  const header = signHostRequest({ certPem: agent.certPem, privateKeyPem: agent.keyPem, method, path: apiPath, body: text, now: s.ctx.now().getTime() });
  return s.authenticate(header, { method, path: apiPath, body: text });
}

function beatOf(name: string): HeartbeatRequest {
  return { name, version: '0.1.0', databases: [{ name: `${name}-db`, protocol: 'postgres', uri: '127.0.0.1:5432', labels: {}, server_version: '' }] };
}

// Each call as the agent makes it; the service may refuse before it returns a promise.
const call = {
  heartbeat: async (a: Agent, name: string) => s.heartbeat(await signed(a, 'POST', '/agents/heartbeat', beatOf(name)), beatOf(name)),
  dbClientCert: async (a: Agent) => {
    const req = { csr: createCsr(await generateKeyPair(), 'app'), db_user: 'app', ttl: '1h' };
    return s.signDbClient(await signed(a, 'POST', '/certs/db-client', req), req);
  },
  accessLookup: async (a: Agent) => {
    const req = { user: 'alice', roles: ['access'] };
    return s.accessLookup(await signed(a, 'POST', '/access/lookup', req), req);
  },
  auditEvents: async (a: Agent) => {
    const events = [
      makeEvent('db.session.end', { user: 'alice', sid: randomUUID(), db_service: 'x', db_protocol: 'postgres', db_uri: '127.0.0.1:5432', db_name: 'app', db_user: 'app' }, 'local'),
    ] as unknown as Record<string, unknown>[];
    return s.receiveAuditEvents(await signed(a, 'POST', '/audit/events', { events }), events);
  },
};

function removedMessage(name: string, hostId: string): RegExp {
  const id = hostId.replaceAll('-', '\\-');
  return new RegExp(`^agent ${name} \\(host ${id}\\) was removed by postern-admin at ${ISO.source}; join it again with a new token: \`postern admin tokens add --type agent\``);
}

async function agentDeleteEvents(hostId: string) {
  await s.ctx.audit.flush();
  return (await s.ctx.store.prisma.auditEvent.findMany({ where: { event: 'agent.delete' } })).map((e) => e.data as Record<string, unknown>).filter((d) => d.host_id === hostId);
}

describe('removing an agent revokes its host id', () => {
  it('refuses every call of a removed offline agent with who removed it, when, and what to do; its audit events still land', async () => {
    const a = await joinAgent('db-host-1');
    await call.heartbeat(a, 'db-host-1');
    await expect(call.dbClientCert(a)).resolves.toMatchObject({ certificate: expect.stringContaining('BEGIN CERTIFICATE') });
    clock.offsetMs = 120_000;
    try {
      await s.removeAgent(admin, a.hostId);
      const refusal = { status: 403, code: 'host_removed', message: expect.stringMatching(removedMessage('db-host-1', a.hostId)) };
      await expect(call.heartbeat(a, 'db-host-1')).rejects.toMatchObject(refusal);
      await expect(call.dbClientCert(a)).rejects.toMatchObject(refusal);
      await expect(call.accessLookup(a)).rejects.toMatchObject(refusal);
      // Events spooled before the removal are stored: losing audit is worse.
      await expect(call.auditEvents(a)).resolves.toEqual({ accepted: 1 });
      // The refused heartbeat did not bring it back.
      expect((await s.listAgents(admin)).map((x) => x.id)).not.toContain(a.hostId);
      expect(await s.revokedHostIds()).toContain(a.hostId);
      expect(await s.ctx.store.prisma.revokedHost.findUnique({ where: { hostId: a.hostId } })).toMatchObject({ name: 'db-host-1', revokedBy: 'postern-admin' });
      expect(await agentDeleteEvents(a.hostId)).toEqual([expect.objectContaining({ revoked: true, forced: false, name: 'db-host-1', databases: ['db-host-1-db'] })]);
      // A second removal finds no agent: the revocation stays as it was.
      await expect(s.removeAgent(admin, a.hostId)).rejects.toMatchObject({ status: 404 });

      // The machine joins again with a new token: a new host id, which works.
      const again = await joinAgent('db-host-1');
      expect(again.hostId).not.toBe(a.hostId);
      await call.heartbeat(again, 'db-host-1');
      await expect(call.accessLookup(again)).resolves.toMatchObject({ locked: true });
      expect((await s.listAgents(admin)).find((x) => x.id === again.hostId)).toMatchObject({ status: 'online' });
    } finally {
      clock.offsetMs = 0;
    }
  });

  it('refuses to remove an online agent without force, naming --force; with force it is removed and locked out at once', async () => {
    const b = await joinAgent('db-host-2');
    await call.heartbeat(b, 'db-host-2');
    await expect(s.removeAgent(admin, b.hostId)).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/^agent db-host-2 is online \(last heartbeat \d+ s ago\): stop it first, or remove it anyway with --force/),
    });
    // Refused means untouched: still listed, still served.
    expect((await s.listAgents(admin)).find((x) => x.id === b.hostId)).toMatchObject({ status: 'online' });
    await call.heartbeat(b, 'db-host-2');
    expect(await s.revokedHostIds()).not.toContain(b.hostId);

    await s.removeAgent(admin, b.hostId, { force: true });
    expect((await s.listAgents(admin)).map((x) => x.id)).not.toContain(b.hostId);
    // No waiting for a refresh: the removal happened in this process.
    await expect(call.heartbeat(b, 'db-host-2')).rejects.toMatchObject({ status: 403, message: expect.stringMatching(removedMessage('db-host-2', b.hostId)) });
    await expect(call.dbClientCert(b)).rejects.toMatchObject({ status: 403, code: 'host_removed' });
    expect((await s.listAgents(admin)).map((x) => x.id)).not.toContain(b.hostId);
    expect(await agentDeleteEvents(b.hostId)).toEqual([expect.objectContaining({ code: 'TPN001I', user: 'postern-admin', revoked: true, forced: true })]);
  });

  it('sees a removal made by another replica: the heartbeat at once, every other call within the refresh interval', async () => {
    const c = await joinAgent('db-host-3');
    await call.heartbeat(c, 'db-host-3');
    await call.accessLookup(c);
    // What a replica sharing this store does when it removes the agent.
    await s.ctx.store.prisma.$transaction([
      s.ctx.store.prisma.agent.delete({ where: { id: c.hostId } }),
      s.ctx.store.prisma.revokedHost.create({ data: { hostId: c.hostId, name: 'db-host-3', revokedBy: 'carol' } }),
    ]);
    // The heartbeat checks the store in its own transaction: it cannot register the agent again.
    await expect(call.heartbeat(c, 'db-host-3')).rejects.toMatchObject({ status: 403, message: expect.stringContaining('was removed by carol at') });
    expect((await s.listAgents(admin)).map((x) => x.id)).not.toContain(c.hostId);
    clock.offsetMs = REVOKED_HOSTS_REFRESH_MS + 1_000;
    try {
      await expect(call.accessLookup(c)).rejects.toMatchObject({ status: 403, code: 'host_removed' });
      await expect(call.dbClientCert(c)).rejects.toMatchObject({ status: 403, code: 'host_removed' });
      expect(await s.revokedHostIds()).toContain(c.hostId);
    } finally {
      clock.offsetMs = 0;
    }
  });
});
