import { randomUUID } from 'node:crypto';
import { createCsr, generateKeyPair } from '@postern/pki';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinAgent } from './helpers/agent';
import { startCluster, type Cluster } from './helpers/cluster';
import { callWithCookie, getPage, newWebUser, type WebSession } from './helpers/web-session';

// The web app's admin pages and the APIs behind them, driven as a browser would: session
// cookie, CSRF header, Origin. Authorization is checked on both sides of every page, so
// each refusal here is a real HTTP 403, not a page that merely hides its content.

const PASSWORD = 'correct horse battery staple';

const ADMIN_PAGES = ['/admin/users', '/admin/roles', '/admin/roles/new', '/admin/roles/admin', '/admin/tokens', '/admin/agents'];
const AUDIT_PAGES = ['/audit', '/audit?event=user.login', '/audit/events/00000000-0000-0000-0000-000000000000', '/audit/sessions/some-session'];
const ADMIN_READS = ['/admin/users', '/admin/roles', '/admin/roles/admin', '/admin/tokens', '/admin/agents', '/audit/events'];

const DEV_ROLE = `kind: role
metadata: { name: dev }
spec:
  allow:
    db_labels: { env: [dev] }
    db_names: ['*']
    db_users: ['{{internal.db_users}}']
`;

describe('web admin pages and APIs: who may do what', () => {
  let c: Cluster;
  let admin: WebSession;
  let carol: WebSession; // roles: access, no admin rights

  beforeAll(async () => {
    c = await startCluster();
    admin = await newWebUser(c, 'boss', ['admin'], PASSWORD);
    carol = await newWebUser(c, 'carol', ['access'], PASSWORD);
  });

  afterAll(async () => {
    await c?.stop();
  });

  it('answers 403 to a non-admin on every admin and audit page', async () => {
    for (const path of [...ADMIN_PAGES, ...AUDIT_PAGES]) {
      const page = await getPage(c, carol, path);
      expect(page.status, path).toBe(403);
      expect(page.text, path).toContain('Not allowed');
    }
  });

  // Apart: the SSO connectors' page and API come with the SSO work.
  it('answers 403 to a non-admin on the SSO connectors page and API, 200 to the admin', async () => {
    expect((await getPage(c, carol, '/admin/connectors')).status).toBe(403);
    expect((await callWithCookie(c, carol, 'GET', '/admin/connectors')).status).toBe(403);
    expect((await getPage(c, admin, '/admin/connectors')).status).toBe(200);
    expect((await callWithCookie(c, admin, 'GET', '/admin/connectors')).status).toBe(200);
  });

  it('sends a stranger without a session to sign in', async () => {
    for (const path of ['/admin/users', '/audit']) {
      const page = await getPage(c, undefined, path);
      expect(page.status, path).toBe(307);
    }
  });

  it('answers 403 to a non-admin on every admin API, reading or changing', async () => {
    for (const path of ADMIN_READS) {
      const res = await callWithCookie(c, carol, 'GET', path);
      expect(res.status, `GET ${path}: ${res.text}`).toBe(403);
    }
    // Valid bodies, with CSRF token and Origin: only the roles stand in the way.
    const key = await generateKeyPair();
    const changes: [string, string, unknown?][] = [
      ['POST', '/admin/users', { name: 'mallory', roles: ['admin'] }],
      ['POST', '/admin/users/boss/lock'],
      ['POST', '/admin/users/boss/unlock'],
      ['DELETE', '/admin/users/boss'],
      ['POST', '/admin/users/carol/sign', { csr: createCsr(key, 'carol') }],
      ['POST', '/admin/roles', { yaml: DEV_ROLE }],
      ['POST', '/admin/roles', { role: { kind: 'role', metadata: { name: 'dev' }, spec: {} } }],
      ['DELETE', '/admin/roles/access'],
      ['POST', '/admin/tokens', { type: 'agent', ttl: '1h' }],
      ['POST', '/admin/db/sign', { csr: createCsr(key, 'db'), hosts: ['db.example'] }],
    ];
    for (const [method, path, body] of changes) {
      const res = await callWithCookie(c, carol, method, path, body);
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(403);
      expect(res.json.error?.code, `${method} ${path}`).toBe('forbidden');
    }
    const users = await callWithCookie(c, admin, 'GET', '/admin/users');
    expect(users.json.users.map((u: { name: string }) => u.name)).not.toContain('mallory');
    expect(users.json.users.find((u: { name: string }) => u.name === 'boss').locked).toBe(false);
  });

  it('shows every admin page to the admin', async () => {
    for (const path of [...ADMIN_PAGES, ...AUDIT_PAGES.slice(0, 2)]) {
      const page = await getPage(c, admin, path);
      expect(page.status, path).toBe(200);
    }
    const users = await getPage(c, admin, '/admin/users');
    expect(users.text).toContain('data-testid="user-row-carol"');
    expect(users.text).toContain('data-testid="add-user-form"');
    const role = await getPage(c, admin, '/admin/roles/admin');
    expect(role.text).toContain('data-testid="role-yaml"');
    expect(role.text).toContain('Full access to every database');
  });

  it('lets the admin add, lock, unlock and remove a user through the cookie API', async () => {
    const added = await callWithCookie(c, admin, 'POST', '/admin/users', { name: 'dave', roles: ['access'], traits: { db_users: ['dave'] } });
    expect(added.status, added.text).toBe(201);
    expect(added.json.signup_url).toMatch(/\/signup\/\S+$/);

    const locked = await callWithCookie(c, admin, 'POST', '/admin/users/dave/lock');
    expect(locked.status, locked.text).toBe(200);
    expect(locked.json.locked).toBe(true);
    const page = await getPage(c, admin, '/admin/users');
    expect(page.text).toMatch(/data-testid="user-row-dave".*?locked/s);

    const unlocked = await callWithCookie(c, admin, 'POST', '/admin/users/dave/unlock');
    expect(unlocked.json.locked).toBe(false);

    const removed = await callWithCookie(c, admin, 'DELETE', '/admin/users/dave');
    expect(removed.status, removed.text).toBe(204);
    const users = await callWithCookie(c, admin, 'GET', '/admin/users');
    const names = users.json.users.map((u: { name: string }) => u.name);
    expect(names).toContain('boss');
    expect(names).not.toContain('dave');
  });

  it('applies a role from YAML and names the bad key or line when it is wrong', async () => {
    const applied = await callWithCookie(c, admin, 'POST', '/admin/roles', { yaml: DEV_ROLE });
    expect(applied.status, applied.text).toBe(200);
    expect(applied.json.name).toBe('dev');
    const page = await getPage(c, admin, '/admin/roles/dev');
    expect(page.status).toBe(200);
    expect(page.text).toContain('internal.db_users');

    const badKey = await callWithCookie(c, admin, 'POST', '/admin/roles', { yaml: DEV_ROLE.replace('db_users:', 'db_user:') });
    expect(badKey.status).toBe(400);
    expect(badKey.json.error.message).toContain('spec.allow.db_user: unknown key');
    const badYaml = await callWithCookie(c, admin, 'POST', '/admin/roles', { yaml: 'kind: role\nmetadata: { name: x\n' });
    expect(badYaml.status).toBe(400);
    expect(badYaml.json.error.message).toMatch(/invalid role YAML at line \d+, column \d+/);
    const builtin = await callWithCookie(c, admin, 'POST', '/admin/roles', { yaml: DEV_ROLE.replace('name: dev', 'name: admin') });
    expect(builtin.status).toBe(409);

    const removed = await callWithCookie(c, admin, 'DELETE', '/admin/roles/dev');
    expect(removed.status, removed.text).toBe(204);
  });

  it('creates a join token, lists it without its secret, and shows the agent that joined with it', async () => {
    const created = await callWithCookie(c, admin, 'POST', '/admin/tokens', { type: 'agent', ttl: '30m' });
    expect(created.status, created.text).toBe(201);
    expect(created.json.ca_pin).toMatch(/^sha256:[0-9a-f]{64}$/);
    const token = created.json.token as string;

    const agent = await joinAgent(c, token, 'db-host-1');
    const hb = await agent.call('POST', '/agents/heartbeat', {
      name: 'db-host-1',
      version: '0.1.0',
      databases: [{ name: 'orders', protocol: 'postgres', uri: '10.0.0.5:5432', labels: { env: 'prod' }, server_version: 'PostgreSQL 15.8' }],
    });
    expect(hb.status, JSON.stringify(hb.json)).toBe(204);

    const listed = await callWithCookie(c, admin, 'GET', '/admin/tokens');
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(token);
    expect(listed.json.tokens).toContainEqual(expect.objectContaining({ type: 'agent', used: true, created_by: 'boss' }));

    const agents = await callWithCookie(c, admin, 'GET', '/admin/agents');
    expect(agents.status).toBe(200);
    expect(agents.json.agents).toEqual([
      expect.objectContaining({
        id: agent.hostId,
        name: 'db-host-1',
        version: '0.1.0',
        status: 'online',
        databases: [{ name: 'orders', protocol: 'postgres', uri: '10.0.0.5:5432', labels: { env: 'prod' }, server_version: 'PostgreSQL 15.8' }],
      }),
    ]);
    const page = await getPage(c, admin, '/admin/agents');
    expect(page.text).toContain('data-testid="agent-row-db-host-1"');
    expect(page.text).toContain('PostgreSQL 15.8');
    // Online agents can be removed too (a compromised host that still runs), after a confirmation.
    expect(page.text).toContain('data-testid="agent-remove-db-host-1"');

    // The API removes an online agent only with force=true, and says how.
    const refused = await callWithCookie(c, admin, 'DELETE', `/admin/agents/${agent.hostId}`);
    expect(refused.status, refused.text).toBe(409);
    expect(refused.json.error.message).toMatch(/is online .*--force/);
    const bad = await callWithCookie(c, admin, 'DELETE', `/admin/agents/${agent.hostId}?force=yes`);
    expect(bad.status, bad.text).toBe(400);
    const removed = await callWithCookie(c, admin, 'DELETE', `/admin/agents/${agent.hostId}?force=true`);
    expect(removed.status, removed.text).toBe(204);
    const revoked = await agent.call('POST', '/agents/heartbeat', { name: 'db-host-1', version: '0.1.0', databases: [] });
    expect(revoked.status).toBe(403);
    expect(revoked.json.error).toMatchObject({ code: 'host_removed', message: expect.stringContaining('was removed by boss at') });
  });

  it('refuses a cookie request without the CSRF token or from another origin', async () => {
    const body = { name: 'eve', roles: ['access'] };
    const noToken = await callWithCookie(c, admin, 'POST', '/admin/users', body, { csrf: false });
    expect(noToken.status, noToken.text).toBe(403);
    const otherSession = await callWithCookie(c, { cookie: admin.cookie, csrf: carol.csrf }, 'POST', '/admin/users', body);
    expect(otherSession.status, otherSession.text).toBe(403);
    const foreign = await callWithCookie(c, admin, 'POST', '/admin/users', body, { origin: 'https://evil.example' });
    expect(foreign.status, foreign.text).toBe(403);
    expect(foreign.json.error.code).toBe('bad_origin');
    const users = await callWithCookie(c, admin, 'GET', '/admin/users');
    expect(users.json.users.map((u: { name: string }) => u.name)).not.toContain('eve');
  });

  it("shows a user's login on the audit page, searchable by user and event", async () => {
    const page = await getPage(c, admin, '/audit?user=carol&event=user.login');
    expect(page.status).toBe(200);
    const rows = page.text.match(/data-testid="audit-row"/g) ?? [];
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(page.text).toContain('data-event="user.login"');
    expect(page.text).toContain('T1000I');
    expect(page.text).not.toContain('data-event="user.create"');
    // The export link carries the same filters.
    expect(page.text).toMatch(/href="\/api\/v1\/audit\/export\?[^"]*user=carol[^"]*event=user.login/);

    const none = await getPage(c, admin, '/audit?user=nobody');
    expect(none.text).toContain('data-testid="audit-empty"');
    const bad = await getPage(c, admin, '/audit?since=yesterday-ish');
    expect(bad.status).toBe(200);
    expect(bad.text).toContain('data-testid="audit-error"');
  });

  it('pages through a search with Next page and Newer, keeping its filters', async () => {
    const created = await callWithCookie(c, admin, 'POST', '/admin/tokens', { type: 'agent', ttl: '30m' });
    const agent = await joinAgent(c, created.json.token as string, 'pager-host');
    const sid = randomUUID();
    const t0 = Date.parse('2026-02-01T00:00:00.000Z');
    const events = Array.from({ length: 60 }, (_, i) => ({
      event: 'db.session.query', code: 'TDB02I', success: true, time: new Date(t0 + i * 1000).toISOString(), uid: randomUUID(), ei: i,
      cluster_name: 'test', user: 'pager', sid, db_service: 'orders', db_protocol: 'postgres', db_uri: '10.0.0.5:5432', db_name: 'app', db_user: 'pager',
      db_query: `SELECT ${i}`,
    }));
    expect((await agent.call('POST', '/audit/events', { events })).status).toBe(200);

    const queries = (html: string) => [...html.matchAll(/>SELECT (\d+)</g)].map((m) => Number(m[1]));
    const link = (html: string, testId: string) => {
      const tag = new RegExp(`<a [^>]*data-testid="${testId}"[^>]*>`).exec(html)?.[0];
      return tag ? /href="([^"]+)"/.exec(tag)?.[1]?.replaceAll('&amp;', '&') : undefined;
    };
    const newest = await getPage(c, admin, '/audit?user=pager');
    expect(queries(newest.text)).toEqual(Array.from({ length: 50 }, (_, i) => 59 - i));
    expect(link(newest.text, 'audit-newer')).toBeUndefined();
    const olderHref = link(newest.text, 'audit-older');
    // The cursor is opaque (base64url), whatever the API keys pages on.
    expect(olderHref).toMatch(/^\/audit\?user=pager&cursor=[\w-]+$/);

    const older = await getPage(c, admin, olderHref!);
    expect(queries(older.text)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(link(older.text, 'audit-older')).toBeUndefined();
    const newerHref = link(older.text, 'audit-newer');
    expect(newerHref).toBe('/audit?user=pager');
    expect(queries((await getPage(c, admin, newerHref!)).text)).toEqual(queries(newest.text));
  });

  // Needs the audit backend's additions: the sid filter, GET /audit/events/<uid> and /audit/export.
  it("shows one session's events in order with their timing, each event's JSON, and exports the search", async () => {
    const created = await callWithCookie(c, admin, 'POST', '/admin/tokens', { type: 'agent', ttl: '30m' });
    const agent = await joinAgent(c, created.json.token as string, 'audit-host');
    const sid = randomUUID();
    const t0 = Date.parse('2026-01-05T09:00:00.000Z');
    const db = { cluster_name: 'test', user: 'carol', sid, db_service: 'orders', db_protocol: 'postgres', db_uri: '10.0.0.5:5432', db_name: 'app', db_user: 'carol' };
    const event = (ei: number, ms: number, name: string, code: string, extra: Record<string, unknown> = {}) => ({
      event: name, code, time: new Date(t0 + ms).toISOString(), uid: randomUUID(), ei, ...db, ...extra,
    });
    const start = event(0, 0, 'db.session.start', 'TDB00I', { success: true });
    const q1 = event(1, 1_500, 'db.session.query', 'TDB02I', { success: true, db_query: 'SELECT 1' });
    const q2 = event(2, 2_000, 'db.session.query', 'TDB02I', { success: true, db_query: 'SELECT * FROM orders WHERE id = $1', db_query_parameters: ['42'] });
    const end = event(3, 5_000, 'db.session.end', 'TDB01I');
    // Arrival order is not session order: the page orders by ei.
    const sent = await agent.call('POST', '/audit/events', { events: [start, q2, q1, end] });
    expect(sent.status, JSON.stringify(sent.json)).toBe(200);

    const session = await getPage(c, admin, `/audit/sessions/${sid}`);
    expect(session.status).toBe(200);
    expect([...session.text.matchAll(/data-testid="audit-row" data-event="([^"]+)"/g)].map((m) => m[1])).toEqual([
      'db.session.start',
      'db.session.query',
      'db.session.query',
      'db.session.end',
    ]);
    expect(session.text).toContain('+1.5 s');
    expect(session.text).toContain('+5.0 s');
    expect(session.text).toContain('SELECT * FROM orders WHERE id = $1');

    const detail = await getPage(c, admin, `/audit/events/${q2.uid}`);
    expect(detail.status).toBe(200);
    expect(detail.text.replaceAll('&quot;', '"')).toContain('"db_query_parameters": [\n    "42"\n  ]');
    expect((await getPage(c, admin, `/audit/events/${randomUUID()}`)).status).toBe(404);

    const search = await getPage(c, admin, `/audit?sid=${sid}`);
    expect(search.text.match(/data-testid="audit-row"/g)).toHaveLength(4);

    const exported = await callWithCookie(c, admin, 'GET', `/audit/export?sid=${sid}`);
    expect(exported.status, exported.text).toBe(200);
    const lines = exported.text.trim().split('\n').map((l) => JSON.parse(l) as { uid: string; sid: string });
    expect(lines.map((l) => l.uid).sort()).toEqual([start.uid, q1.uid, q2.uid, end.uid].sort());
  });
});
