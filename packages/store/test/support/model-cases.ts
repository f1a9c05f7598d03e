import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { Prisma } from '../../src/index';
import type { PrismaClient } from '../../src/index';

// One case per model of the generated client: create with every scalar field set, read it
// back and compare every field, check the defaults, update what may be updated, follow the
// relations, hit each unique constraint and each cascade. The Record type makes a new
// model a compile error here until it has a case; the test also checks this at run time.

type ModelCase = (prisma: PrismaClient) => Promise<void>;

const at = (iso: string): Date => new Date(iso);
const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

/** Fails when a model gains a scalar field that the case does not set. */
function expectEveryScalar(model: Prisma.ModelName, data: object, except: string[] = []): void {
  const fields = (Prisma as unknown as Record<string, Record<string, string> | undefined>)[`${model}ScalarFieldEnum`];
  if (!fields) throw new Error(`Prisma.${model}ScalarFieldEnum not found`);
  const expected = Object.values(fields).filter((f) => !except.includes(f));
  expect(Object.keys(data).sort()).toEqual(expected.sort());
}

async function expectUniqueViolation(promise: Promise<unknown>): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code: 'P2002' });
}

async function expectForeignKeyViolation(promise: Promise<unknown>): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code: 'P2003' });
}

/** A column filled by DEFAULT CURRENT_TIMESTAMP or by Prisma's @updatedAt just now. */
function expectRecent(value: Date, since: Date): void {
  expect(value).toBeInstanceOf(Date);
  expect(value.getTime()).toBeGreaterThanOrEqual(since.getTime() - 5_000);
  expect(value.getTime()).toBeLessThanOrEqual(Date.now() + 5_000);
}

async function makeUser(prisma: PrismaClient, name = unique('user')): Promise<string> {
  const id = randomUUID();
  await prisma.user.create({ data: { id, name, roles: [] } });
  return id;
}

async function makeAgent(prisma: PrismaClient): Promise<string> {
  const id = randomUUID();
  await prisma.agent.create({ data: { id, name: unique('agent') } });
  return id;
}

export const modelCases: Record<Prisma.ModelName, ModelCase> = {
  async User(prisma) {
    const data = {
      id: randomUUID(),
      name: unique('alice'),
      passwordHash: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
      totpSecret: 'sealed:v1:abc',
      roles: ['access', 'editor'],
      traits: { logins: ['alice', 'root'], db_users: ['app'], nested: { n: 1.5, ok: true, none: null, text: 'ü "q"' } },
      locked: true,
      ssoConnector: 'okta',
      createdAt: at('2024-01-02T03:04:05.678Z'),
      updatedAt: at('2024-02-03T04:05:06.789Z'),
    };
    expectEveryScalar('User', data);
    await prisma.user.create({ data });
    expect(await prisma.user.findUniqueOrThrow({ where: { id: data.id } })).toEqual(data);
    expect(await prisma.user.findUnique({ where: { name: data.name } })).toMatchObject({ id: data.id });

    const before = new Date();
    const minimal = await prisma.user.create({ data: { id: randomUUID(), name: unique('bob'), roles: [] } });
    expect(minimal).toMatchObject({ passwordHash: null, totpSecret: null, roles: [], traits: {}, locked: false, ssoConnector: null });
    expectRecent(minimal.createdAt, before);
    expectRecent(minimal.updatedAt, before);

    const updated = await prisma.user.update({
      where: { id: data.id },
      data: { locked: false, roles: { push: 'auditor' }, passwordHash: null, traits: { logins: [] } },
    });
    expect(updated).toMatchObject({ locked: false, roles: ['access', 'editor', 'auditor'], passwordHash: null, traits: { logins: [] } });
    expect(updated.updatedAt.getTime()).toBeGreaterThan(data.updatedAt.getTime());
    expect(updated.createdAt).toEqual(data.createdAt);

    await expectUniqueViolation(prisma.user.create({ data: { id: randomUUID(), name: data.name, roles: [] } }));
    await expectUniqueViolation(prisma.user.create({ data: { id: data.id, name: unique('dup'), roles: [] } }));

    // Relations, and their cascade when the user goes.
    const withChildren = await prisma.user.update({
      where: { id: data.id },
      data: {
        signupTokens: { create: { id: randomUUID(), tokenHash: unique('st'), expiresAt: at('2030-01-01T00:00:00.000Z') } },
        sessions: { create: { id: randomUUID(), tokenHash: unique('ws'), kind: 'web', expiresAt: at('2030-01-01T00:00:00.000Z') } },
        ssoRequests: {
          create: { id: randomUUID(), stateHash: unique('sr'), connector: 'okta', kind: 'web', expiresAt: at('2030-01-01T00:00:00.000Z') },
        },
      },
      include: { signupTokens: true, sessions: true, ssoRequests: true },
    });
    expect(withChildren.signupTokens).toHaveLength(1);
    expect(withChildren.sessions).toHaveLength(1);
    expect(withChildren.ssoRequests).toHaveLength(1);
    await prisma.user.delete({ where: { id: data.id } });
    expect(await prisma.signupToken.count({ where: { userId: data.id } })).toBe(0);
    expect(await prisma.webSession.count({ where: { userId: data.id } })).toBe(0);
    expect(await prisma.ssoRequest.count({ where: { userId: data.id } })).toBe(0);
  },

  async SignupToken(prisma) {
    const userId = await makeUser(prisma);
    const data = {
      id: randomUUID(),
      tokenHash: unique('sha256'),
      userId,
      expiresAt: at('2030-05-06T07:08:09.123Z'),
      usedAt: at('2024-05-06T07:08:09.456Z'),
      createdAt: at('2024-05-06T07:00:00.001Z'),
    };
    expectEveryScalar('SignupToken', data);
    await prisma.signupToken.create({ data });
    expect(await prisma.signupToken.findUniqueOrThrow({ where: { id: data.id } })).toEqual(data);
    const found = await prisma.signupToken.findUniqueOrThrow({ where: { tokenHash: data.tokenHash }, include: { user: true } });
    expect(found.user.id).toBe(userId);

    const before = new Date();
    const minimal = await prisma.signupToken.create({
      data: { id: randomUUID(), tokenHash: unique('sha256'), userId, expiresAt: data.expiresAt },
    });
    expect(minimal.usedAt).toBeNull();
    expectRecent(minimal.createdAt, before);

    const used = await prisma.signupToken.update({ where: { id: minimal.id }, data: { usedAt: at('2025-01-01T00:00:00.999Z') } });
    expect(used.usedAt).toEqual(at('2025-01-01T00:00:00.999Z'));

    await expectUniqueViolation(prisma.signupToken.create({ data: { ...data, id: randomUUID() } }));
    await expectForeignKeyViolation(
      prisma.signupToken.create({ data: { ...data, id: randomUUID(), tokenHash: unique('x'), userId: randomUUID() } }),
    );
    await prisma.user.delete({ where: { id: userId } });
    expect(await prisma.signupToken.count({ where: { userId } })).toBe(0);
  },

  async Role(prisma) {
    const data = {
      name: unique('editor'),
      spec: {
        kind: 'role',
        version: 'v1',
        metadata: { name: 'editor', description: 'edits' },
        spec: { allow: { db_labels: { env: ['dev', 'staging'] }, db_names: ['*'], db_users: ['{{internal.db_users}}'] } },
      },
      createdAt: at('2024-03-04T05:06:07.890Z'),
      updatedAt: at('2024-03-04T05:06:07.891Z'),
    };
    expectEveryScalar('Role', data);
    await prisma.role.create({ data });
    expect(await prisma.role.findUniqueOrThrow({ where: { name: data.name } })).toEqual(data);

    const updated = await prisma.role.update({ where: { name: data.name }, data: { spec: { kind: 'role', version: 'v2' } } });
    expect(updated.spec).toEqual({ kind: 'role', version: 'v2' });
    expect(updated.updatedAt.getTime()).toBeGreaterThan(data.updatedAt.getTime());

    const before = new Date();
    const minimal = await prisma.role.create({ data: { name: unique('viewer'), spec: {} } });
    expectRecent(minimal.createdAt, before);
    expectRecent(minimal.updatedAt, before);

    await expectUniqueViolation(prisma.role.create({ data: { name: data.name, spec: {} } }));
    await prisma.role.delete({ where: { name: data.name } });
    expect(await prisma.role.findUnique({ where: { name: data.name } })).toBeNull();
  },

  async JoinToken(prisma) {
    const data = {
      id: randomUUID(),
      tokenHash: unique('sha256'),
      type: 'agent',
      expiresAt: at('2030-01-01T00:00:00.001Z'),
      usedAt: at('2024-06-07T08:09:10.111Z'),
      createdBy: 'admin',
      createdAt: at('2024-06-07T08:00:00.222Z'),
    };
    expectEveryScalar('JoinToken', data);
    await prisma.joinToken.create({ data });
    expect(await prisma.joinToken.findUniqueOrThrow({ where: { id: data.id } })).toEqual(data);
    expect(await prisma.joinToken.findUnique({ where: { tokenHash: data.tokenHash } })).toMatchObject({ id: data.id });

    const before = new Date();
    const minimal = await prisma.joinToken.create({
      data: { id: randomUUID(), tokenHash: unique('sha256'), type: 'proxy', expiresAt: data.expiresAt, createdBy: 'admin' },
    });
    expect(minimal.usedAt).toBeNull();
    expectRecent(minimal.createdAt, before);
    const used = await prisma.joinToken.update({ where: { id: minimal.id }, data: { usedAt: data.usedAt } });
    expect(used.usedAt).toEqual(data.usedAt);

    await expectUniqueViolation(prisma.joinToken.create({ data: { ...data, id: randomUUID() } }));
    await prisma.joinToken.delete({ where: { id: data.id } });
    expect(await prisma.joinToken.count({ where: { id: data.id } })).toBe(0);
  },

  async Agent(prisma) {
    const data = {
      id: randomUUID(),
      name: unique('agent'),
      version: '0.1.0',
      lastHeartbeat: at('2024-07-08T09:10:11.333Z'),
      createdAt: at('2024-07-01T00:00:00.444Z'),
    };
    expectEveryScalar('Agent', data);
    await prisma.agent.create({ data });
    expect(await prisma.agent.findUniqueOrThrow({ where: { id: data.id } })).toEqual(data);

    const before = new Date();
    const minimal = await prisma.agent.create({ data: { id: randomUUID(), name: data.name } });
    // Agent names are not unique: the same name may join again under a new id.
    expect(minimal).toMatchObject({ version: '', lastHeartbeat: null });
    expectRecent(minimal.createdAt, before);

    const beat = await prisma.agent.update({ where: { id: minimal.id }, data: { lastHeartbeat: data.lastHeartbeat, version: '0.2.0' } });
    expect(beat).toMatchObject({ lastHeartbeat: data.lastHeartbeat, version: '0.2.0' });

    await expectUniqueViolation(prisma.agent.create({ data: { id: data.id, name: unique('dup') } }));
    await prisma.database.create({
      data: { id: randomUUID(), name: 'pg', protocol: 'postgres', uri: 'localhost:5432', agentId: data.id },
    });
    const withDatabases = await prisma.agent.findUniqueOrThrow({ where: { id: data.id }, include: { databases: true } });
    expect(withDatabases.databases.map((d) => d.name)).toEqual(['pg']);
    await prisma.agent.delete({ where: { id: data.id } });
    expect(await prisma.database.count({ where: { agentId: data.id } })).toBe(0);
  },

  async RevokedHost(prisma) {
    const data = { hostId: randomUUID(), name: unique('agent'), revokedAt: at('2025-03-04T05:06:07.888Z'), revokedBy: 'postern-admin' };
    expectEveryScalar('RevokedHost', data);
    await prisma.revokedHost.create({ data });
    expect(await prisma.revokedHost.findUniqueOrThrow({ where: { hostId: data.hostId } })).toEqual(data);

    const before = new Date();
    const minimal = await prisma.revokedHost.create({ data: { hostId: randomUUID(), name: 'x', revokedBy: 'alice' } });
    expectRecent(minimal.revokedAt, before);
    // A host id is revoked once; a second removal of the same id finds it revoked already.
    await expectUniqueViolation(prisma.revokedHost.create({ data: { ...data, name: 'again' } }));
    // No foreign key to agents: the revocation outlives the agent row it was made from.
    const agentId = await makeAgent(prisma);
    await prisma.revokedHost.create({ data: { hostId: agentId, name: 'gone', revokedBy: 'alice' } });
    await prisma.agent.delete({ where: { id: agentId } });
    expect(await prisma.revokedHost.count({ where: { hostId: agentId } })).toBe(1);
  },

  async Database(prisma) {
    const agentId = await makeAgent(prisma);
    const otherAgentId = await makeAgent(prisma);
    const data = {
      id: randomUUID(),
      name: unique('orders'),
      protocol: 'postgres',
      uri: 'db.internal:5432',
      labels: { env: 'prod', team: 'billing' },
      serverVersion: '15.8',
      agentId,
      updatedAt: at('2024-08-09T10:11:12.555Z'),
    };
    expectEveryScalar('Database', data);
    await prisma.database.create({ data });
    expect(await prisma.database.findUniqueOrThrow({ where: { id: data.id } })).toEqual(data);
    const byRoute = await prisma.database.findUniqueOrThrow({
      where: { agentId_name: { agentId, name: data.name } },
      include: { agent: true },
    });
    expect(byRoute.agent.id).toBe(agentId);

    const before = new Date();
    // The same name behind another agent is allowed (several agents may serve one database).
    const minimal = await prisma.database.create({
      data: { id: randomUUID(), name: data.name, protocol: 'mysql', uri: 'db.internal:3306', agentId: otherAgentId },
    });
    expect(minimal).toMatchObject({ labels: {}, serverVersion: '' });
    expectRecent(minimal.updatedAt, before);
    expect(await prisma.database.count({ where: { name: data.name } })).toBe(2);

    const updated = await prisma.database.update({ where: { id: data.id }, data: { serverVersion: '16.4', labels: { env: 'dev' } } });
    expect(updated).toMatchObject({ serverVersion: '16.4', labels: { env: 'dev' } });
    expect(updated.updatedAt.getTime()).toBeGreaterThan(data.updatedAt.getTime());

    await expectUniqueViolation(prisma.database.create({ data: { ...data, id: randomUUID() } }));
    await expectForeignKeyViolation(prisma.database.create({ data: { ...data, id: randomUUID(), agentId: randomUUID() } }));
    await prisma.agent.delete({ where: { id: agentId } });
    expect(await prisma.database.findUnique({ where: { id: data.id } })).toBeNull();
    expect(await prisma.database.findUnique({ where: { id: minimal.id } })).not.toBeNull();
  },

  async CertAuthority(prisma) {
    const data = {
      type: unique('user'),
      certPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      sealedKey: 'v1.aes-256-gcm.iv.ciphertext.tag',
      createdAt: at('2024-09-10T11:12:13.666Z'),
    };
    expectEveryScalar('CertAuthority', data);
    await prisma.certAuthority.create({ data });
    expect(await prisma.certAuthority.findUniqueOrThrow({ where: { type: data.type } })).toEqual(data);

    const before = new Date();
    const minimal = await prisma.certAuthority.create({ data: { type: unique('host'), certPem: 'c', sealedKey: 'k' } });
    expectRecent(minimal.createdAt, before);

    const rotated = await prisma.certAuthority.update({ where: { type: data.type }, data: { certPem: 'new', sealedKey: 'new-key' } });
    expect(rotated).toMatchObject({ certPem: 'new', sealedKey: 'new-key', createdAt: data.createdAt });
    await expectUniqueViolation(prisma.certAuthority.create({ data }));
  },

  async WebSession(prisma) {
    const userId = await makeUser(prisma);
    const data = {
      id: randomUUID(),
      tokenHash: unique('sha256'),
      userId,
      kind: 'cli',
      expiresAt: at('2030-10-11T12:13:14.777Z'),
      revokedAt: at('2024-10-11T12:13:14.888Z'),
      createdAt: at('2024-10-11T12:00:00.999Z'),
    };
    expectEveryScalar('WebSession', data);
    await prisma.webSession.create({ data });
    expect(await prisma.webSession.findUniqueOrThrow({ where: { id: data.id } })).toEqual(data);
    const found = await prisma.webSession.findUniqueOrThrow({ where: { tokenHash: data.tokenHash }, include: { user: true } });
    expect(found.user.id).toBe(userId);

    const before = new Date();
    const minimal = await prisma.webSession.create({
      data: { id: randomUUID(), tokenHash: unique('sha256'), userId, kind: 'web', expiresAt: data.expiresAt },
    });
    expect(minimal.revokedAt).toBeNull();
    expectRecent(minimal.createdAt, before);
    const revoked = await prisma.webSession.update({ where: { id: minimal.id }, data: { revokedAt: data.revokedAt } });
    expect(revoked.revokedAt).toEqual(data.revokedAt);
    expect(await prisma.webSession.findMany({ where: { userId }, orderBy: { createdAt: 'asc' } })).toHaveLength(2);

    await expectUniqueViolation(prisma.webSession.create({ data: { ...data, id: randomUUID() } }));
    await expectForeignKeyViolation(
      prisma.webSession.create({ data: { ...data, id: randomUUID(), tokenHash: unique('x'), userId: randomUUID() } }),
    );
    await prisma.user.delete({ where: { id: userId } });
    expect(await prisma.webSession.count({ where: { userId } })).toBe(0);
  },

  async ConsoleTicket(prisma) {
    const userId = await makeUser(prisma);
    const sessionId = randomUUID();
    await prisma.webSession.create({ data: { id: sessionId, tokenHash: unique('sha256'), userId, kind: 'web', expiresAt: at('2030-01-01T00:00:00.000Z') } });
    const data = {
      ticketHash: unique('sha256'),
      sessionId,
      cert: 'MIIBdGVyLWNlcnQ=',
      expiresAt: at('2025-04-05T06:07:08.111Z'),
      usedAt: at('2025-04-05T06:06:59.222Z'),
      createdAt: at('2025-04-05T06:06:38.333Z'),
    };
    expectEveryScalar('ConsoleTicket', data);
    await prisma.consoleTicket.create({ data });
    expect(await prisma.consoleTicket.findUniqueOrThrow({ where: { ticketHash: data.ticketHash }, include: { session: true } })).toMatchObject({ ...data, session: { id: sessionId } });

    const before = new Date();
    const minimal = await prisma.consoleTicket.create({ data: { ticketHash: unique('sha256'), sessionId, cert: 'c', expiresAt: data.expiresAt } });
    expect(minimal.usedAt).toBeNull();
    expectRecent(minimal.createdAt, before);
    // Redeeming is a conditional update: the second one finds used_at set and changes nothing.
    const redeem = () => prisma.consoleTicket.updateMany({ where: { ticketHash: minimal.ticketHash, usedAt: null }, data: { usedAt: new Date() } });
    expect((await redeem()).count).toBe(1);
    expect((await redeem()).count).toBe(0);

    await expectUniqueViolation(prisma.consoleTicket.create({ data: { ...data, cert: 'other' } }));
    await expectForeignKeyViolation(prisma.consoleTicket.create({ data: { ...data, ticketHash: unique('x'), sessionId: randomUUID() } }));
    // A ticket dies with its session (and so with its user).
    await prisma.user.delete({ where: { id: userId } });
    expect(await prisma.consoleTicket.count({ where: { sessionId } })).toBe(0);
  },

  async Connector(prisma) {
    const data = {
      name: unique('okta'),
      type: 'oidc',
      spec: { name: 'okta', type: 'oidc', issuer: 'https://example.okta.com', claims_to_roles: [{ claim: 'groups', value: 'dba', roles: ['admin'] }] },
      sealedSecret: 'v1.aes-256-gcm.iv.ciphertext.tag',
      updatedBy: 'admin',
      createdAt: at('2024-12-01T01:02:03.004Z'),
      updatedAt: at('2024-12-01T01:02:03.005Z'),
    };
    expectEveryScalar('Connector', data);
    await prisma.connector.create({ data });
    expect(await prisma.connector.findUniqueOrThrow({ where: { name: data.name } })).toEqual(data);

    const before = new Date();
    const minimal = await prisma.connector.create({ data: { name: unique('adfs'), type: 'saml', spec: {}, updatedBy: 'admin' } });
    expect(minimal.sealedSecret).toBeNull();
    expectRecent(minimal.createdAt, before);
    expectRecent(minimal.updatedAt, before);

    const updated = await prisma.connector.update({ where: { name: data.name }, data: { sealedSecret: null, spec: { type: 'oidc' } } });
    expect(updated).toMatchObject({ sealedSecret: null, spec: { type: 'oidc' }, createdAt: data.createdAt });
    expect(updated.updatedAt.getTime()).toBeGreaterThan(data.updatedAt.getTime());

    await expectUniqueViolation(prisma.connector.create({ data: { name: data.name, type: 'saml', spec: {}, updatedBy: 'x' } }));
    await prisma.connector.delete({ where: { name: data.name } });
    expect(await prisma.connector.count({ where: { name: data.name } })).toBe(0);
  },

  async SsoRequest(prisma) {
    const userId = await makeUser(prisma);
    const data = {
      id: randomUUID(),
      stateHash: unique('state'),
      connector: 'okta',
      kind: 'cli',
      bindingHash: unique('binding'),
      nextPath: '/databases?x=1',
      nonce: 'n-0S6_WzA2Mj',
      codeVerifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
      samlRequestId: unique('_id'),
      cliRedirect: 'http://127.0.0.1:51234/callback',
      cliChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      cliCsr: '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n',
      cliTtl: '8h',
      cliCodeHash: unique('code'),
      userId,
      refusal: { connector: 'okta', user: 'eve', reason: 'no role', claims: { groups: ['guests'] } },
      expiresAt: at('2030-01-01T00:10:00.001Z'),
      usedAt: at('2030-01-01T00:01:00.002Z'),
      exchangedAt: at('2030-01-01T00:02:00.003Z'),
      createdAt: at('2030-01-01T00:00:00.004Z'),
    };
    expectEveryScalar('SsoRequest', data);
    await prisma.ssoRequest.create({ data });
    expect(await prisma.ssoRequest.findUniqueOrThrow({ where: { id: data.id } })).toEqual(data);
    expect(await prisma.ssoRequest.findUnique({ where: { stateHash: data.stateHash }, include: { user: true } })).toMatchObject({
      user: { id: userId },
    });
    expect(await prisma.ssoRequest.findUnique({ where: { samlRequestId: data.samlRequestId } })).toMatchObject({ id: data.id });
    expect(await prisma.ssoRequest.findUnique({ where: { cliCodeHash: data.cliCodeHash } })).toMatchObject({ id: data.id });

    const before = new Date();
    const minimal = await prisma.ssoRequest.create({
      data: { id: randomUUID(), stateHash: unique('state'), connector: 'okta', kind: 'web', expiresAt: data.expiresAt },
    });
    expect(minimal).toMatchObject({
      nextPath: '/',
      bindingHash: null,
      nonce: null,
      codeVerifier: null,
      samlRequestId: null,
      cliRedirect: null,
      cliCodeHash: null,
      userId: null,
      refusal: null,
      usedAt: null,
      exchangedAt: null,
    });
    expectRecent(minimal.createdAt, before);
    // One-time use: the second conditional update finds nothing to change.
    const first = await prisma.ssoRequest.updateMany({ where: { id: minimal.id, usedAt: null }, data: { usedAt: new Date() } });
    const second = await prisma.ssoRequest.updateMany({ where: { id: minimal.id, usedAt: null }, data: { usedAt: new Date() } });
    expect([first.count, second.count]).toEqual([1, 0]);

    await expectUniqueViolation(prisma.ssoRequest.create({ data: { ...data, id: randomUUID() } }));
    await expectUniqueViolation(
      prisma.ssoRequest.create({ data: { ...data, id: randomUUID(), stateHash: unique('s'), cliCodeHash: unique('c') } }),
    );
    await expectForeignKeyViolation(
      prisma.ssoRequest.create({
        data: { ...data, id: randomUUID(), stateHash: unique('s'), samlRequestId: unique('r'), cliCodeHash: unique('c'), userId: randomUUID() },
      }),
    );
    await prisma.user.delete({ where: { id: userId } });
    expect(await prisma.ssoRequest.count({ where: { userId } })).toBe(0);
    expect(await prisma.ssoRequest.count({ where: { id: minimal.id } })).toBe(1);
  },

  async AuditEvent(prisma) {
    const sid = randomUUID();
    const data = {
      uid: randomUUID(),
      event: 'db.session.query',
      code: 'TDB02I',
      time: at('2024-11-12T13:14:15.101Z'),
      user: 'alice',
      sid,
      ei: 7,
      dbService: 'orders',
      data: { db_query: 'select 1', db_query_parameters: ['a', 1, null], success: true },
    };
    // The id comes from the sequence; dbQuery is computed by the database from data.
    expectEveryScalar('AuditEvent', data, ['id', 'dbQuery']);
    const created = await prisma.auditEvent.create({ data });
    expect(typeof created.id).toBe('bigint');
    expect(await prisma.auditEvent.findUniqueOrThrow({ where: { id: created.id } })).toEqual({ ...data, id: created.id, dbQuery: 'select 1' });
    expect(await prisma.auditEvent.findUnique({ where: { uid: data.uid } })).toMatchObject({ id: created.id });

    // Batches, as the audit writer does them; ids keep increasing.
    const batch = [8, 9, 10].map((ei) => ({
      uid: randomUUID(),
      event: 'db.session.query',
      code: 'TDB02I',
      time: at('2024-11-12T13:14:16.000Z'),
      sid,
      ei,
      data: {},
    }));
    expect(await prisma.auditEvent.createMany({ data: batch })).toEqual({ count: 3 });
    const session = await prisma.auditEvent.findMany({ where: { sid }, orderBy: { ei: 'asc' } });
    expect(session.map((e) => e.ei)).toEqual([7, 8, 9, 10]);
    expect(session.map((e) => e.id)).toEqual([...session.map((e) => e.id)].sort((a, b) => (a < b ? -1 : 1)));
    expect(session[1]).toMatchObject({ user: null, dbService: null, dbQuery: null });
    // Generated: the database refuses a value of its own, so it always agrees with data.
    await expect(prisma.auditEvent.create({ data: { ...data, uid: randomUUID(), dbQuery: 'other' } })).rejects.toThrow(/db_query/);

    const minimal = await prisma.auditEvent.create({
      data: { uid: randomUUID(), event: 'user.login', code: 'T1000I', time: new Date(), data: {} },
    });
    expect(minimal).toMatchObject({ ei: 0, user: null, sid: null, dbService: null });

    // "user" is a reserved word in SQL; the column must still be usable for search.
    expect(await prisma.auditEvent.count({ where: { user: 'alice', time: { gte: data.time } } })).toBeGreaterThanOrEqual(1);

    await expectUniqueViolation(prisma.auditEvent.create({ data: { ...data } }));
    // Append-only: updates are refused (audit-append-only.test.ts covers this in depth).
    await expect(prisma.auditEvent.update({ where: { id: created.id }, data: { code: 'X' } })).rejects.toThrow(/append-only/);
  },

  async AuditChain(prisma) {
    // Written by the audit sink in SQL (packages/auth/src/audit/record.ts); created here
    // directly only to check the columns. The seq comes from the sequence.
    const data = {
      firstId: 9_007_199_254_740_993n,
      lastId: 9_007_199_254_741_993n,
      events: 1000,
      digest: 'a'.repeat(64),
      prevHash: '0'.repeat(64),
      hash: 'b'.repeat(64),
      createdAt: at('2024-11-12T13:14:15.202Z'),
    };
    expectEveryScalar('AuditChain', data, ['seq']);
    const created = await prisma.auditChain.create({ data });
    expect(typeof created.seq).toBe('bigint');
    expect(await prisma.auditChain.findUniqueOrThrow({ where: { seq: created.seq } })).toEqual({ ...data, seq: created.seq });

    const before = new Date();
    const next = await prisma.auditChain.create({ data: { firstId: 1n, lastId: 1n, events: 1, digest: 'c', prevHash: data.hash, hash: 'd' } });
    expect(next.seq).toBeGreaterThan(created.seq);
    expectRecent(next.createdAt, before);
    await expectUniqueViolation(prisma.auditChain.create({ data: { ...data, seq: created.seq } }));

    // Append-only, like audit_events (packages/auth/test/audit-chain.test.ts: TRUNCATE too).
    await expect(prisma.auditChain.update({ where: { seq: created.seq }, data: { events: 1 } })).rejects.toThrow(/audit_chain is append-only: UPDATE/);
    await expect(prisma.auditChain.delete({ where: { seq: created.seq } })).rejects.toThrow(/audit_chain is append-only: DELETE/);
  },
};
