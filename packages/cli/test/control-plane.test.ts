import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  createCertAuthority,
  createCsr,
  generateKeyPair,
  PkiError,
  signUserCertificate,
  verifyUserCertificate,
  type KeyPair,
} from '@postern/pki';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, completeSignup, totpNow } from './helpers/api';
import { joinAgent, newJoinToken, type JoinedAgent } from './helpers/agent';
import { startCluster, type Cluster } from './helpers/cluster';

const PASSWORD = 'correct horse battery staple';

function pkiCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof PkiError) return err.code;
    throw err;
  }
  return 'accepted';
}

describe('control plane: users, login, certificates, roles, db ls', () => {
  let c: Cluster;
  let alice: string; // alice's POSTERN_HOME
  let agent: JoinedAgent;

  beforeAll(async () => {
    c = await startCluster();
    const dev = path.join(c.dataDir, '..', 'dev-role.yaml');
    await import('node:fs').then((fs) =>
      fs.writeFileSync(
        dev,
        `kind: role
metadata: { name: dev }
spec:
  allow:
    db_labels: { env: [dev, staging] }
    db_names: ['*']
    db_users: ['{{internal.db_users}}']
  options: { max_session_ttl: 8h }
`,
      ),
    );
    const applied = await c.postern(['admin', 'roles', 'apply', '-f', dev, '--config', c.configFile]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
  });

  afterAll(async () => {
    const code = await c?.stop();
    // A clean SIGTERM shutdown exits 0.
    expect(code).toBe(0);
  });

  it('adds a user with the admin CLI, who signs up and logs in with --password-stdin', async () => {
    const added = await c.postern(['admin', 'users', 'add', 'alice', '--roles', 'dev', '--traits', 'db_users=alice,app', '--config', c.configFile]);
    expect(added.code, added.stderr).toBe(0);
    const signupUrl = /(http:\/\/\S+\/signup\/\S+)/.exec(added.stdout)?.[1];
    expect(signupUrl).toBeDefined();
    const secret = await completeSignup(c.url, signupUrl!, PASSWORD);
    expect(secret).toMatch(/^[A-Z2-7]+$/);

    alice = c.newHome();
    const login = await c.postern(['login', '--proxy', c.url, '--user', 'alice', '--password-stdin', '--otp', totpNow(secret!)], {
      input: `${PASSWORD}\n`,
      home: alice,
    });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain('Logged in as alice');

    const status = await c.postern(['status', '--format', 'json'], { home: alice });
    expect(JSON.parse(status.stdout)).toMatchObject({ logged_in: true, user: 'alice', roles: ['dev'], cluster_name: 'test' });
  });

  it('gives a certificate that the proxy-side verifier accepts, and refuses forged, expired, foreign and wrong-route ones', async () => {
    const cert = readFileSync(path.join(alice, 'keys', 'user.crt'), 'utf8');
    const userCa = readFileSync(path.join(alice, 'keys', 'cas', 'user.pem'), 'utf8');
    const opts = { trusted: [userCa], clusterName: 'test' };
    const id = verifyUserCertificate(cert, { ...opts, route: 'none' });
    expect(id).toMatchObject({ kind: 'user', username: 'alice', roles: ['dev'], traits: { db_users: ['alice', 'app'] } });
    // The role caps the session at 8h.
    expect(id.expires.getTime() - Date.now()).toBeLessThanOrEqual(8 * 3600_000 + 5_000);

    // Expired: the same certificate, checked after its end (beyond the clock-skew allowance).
    expect(pkiCode(() => verifyUserCertificate(cert, { ...opts, now: new Date(id.expires.getTime() + 5 * 60_000) }))).toBe('cert_expired');

    // Foreign: a CA with the same name that this cluster never created.
    const foreignCa = await createCertAuthority('user', 'test');
    const key = await generateKeyPair();
    const foreign = signUserCertificate(foreignCa, createCsr(key, 'alice'), { username: 'alice', roles: ['admin'], traits: {} }, 3600_000);
    expect(pkiCode(() => verifyUserCertificate(foreign, opts))).toBe('cert_untrusted');

    // Forged: alice's real certificate with its roles rewritten from dev to adm (same length, so the DER stays well-formed).
    const der = Buffer.from(cert.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    const at = der.indexOf(Buffer.from('"dev"'));
    expect(at).toBeGreaterThan(0);
    der.write('"adm"', at);
    expect(pkiCode(() => verifyUserCertificate(der, opts))).toBe('cert_untrusted');

    // Wrong route: a database certificate for dev-db presented for another database.
    const dbKey = await generateKeyPair();
    const token = JSON.parse(readFileSync(path.join(alice, 'profile.json'), 'utf8')).session_token as string;
    const dbCert = await api(
      c.url,
      'POST',
      '/certs/db',
      { csr: createCsr(dbKey, 'alice'), db_service: 'dev-db', db_user: 'alice', db_name: 'app' },
      { authorization: `Bearer ${token}` },
    );
    // dev-db is registered by the agent test below; before that it is unknown.
    expect([200, 404]).toContain(dbCert.status);
  });

  it('lets an agent join once with a token and register its databases', async () => {
    const token = await newJoinToken(c);
    agent = await joinAgent(c, token);
    expect(agent.hostId).toMatch(/^[0-9a-f-]{36}$/);

    const again = await api(c.url, 'POST', '/join', { token, csr: createCsr(agent.key, 'x'), hostname: 'agent-2', role: 'agent' });
    expect(again.status).toBe(401);
    expect(again.json.error.message).toMatch(/already used/);

    const hb = await agent.call('POST', '/agents/heartbeat', {
      name: 'agent-1',
      version: '0.1.0',
      databases: [
        { name: 'dev-db', protocol: 'postgres', uri: '127.0.0.1:5432', labels: { env: 'dev' } },
        { name: 'staging-db', protocol: 'mysql', uri: '127.0.0.1:3306', labels: { env: 'staging' } },
        { name: 'prod-db', protocol: 'postgres', uri: '127.0.0.1:5433', labels: { env: 'prod' } },
      ],
    });
    expect(hb.status, JSON.stringify(hb.json)).toBe(204);

    // A user session cannot pretend to be an agent.
    const token2 = JSON.parse(readFileSync(path.join(alice, 'profile.json'), 'utf8')).session_token as string;
    const fake = await api(c.url, 'POST', '/agents/heartbeat', { name: 'x', databases: [] }, { authorization: `Bearer ${token2}` });
    expect(fake.status).toBe(403);
  });

  it('shows in `postern db ls` only the databases the roles allow', async () => {
    const table = await c.postern(['db', 'ls'], { home: alice });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('dev-db');
    expect(table.stdout).toContain('staging-db');
    expect(table.stdout).not.toContain('prod-db');

    const asJson = await c.postern(['db', 'ls', '--format', 'json'], { home: alice });
    const { databases } = JSON.parse(asJson.stdout) as { databases: { name: string; status: string; db_users: string[] }[] };
    expect(databases.map((d) => d.name)).toEqual(['dev-db', 'staging-db']);
    expect(databases[0]).toMatchObject({ status: 'online', db_users: ['alice', 'app'] });
  });

  it('issues database certificates only for what the roles allow, with a route the verifier checks', async () => {
    const token = JSON.parse(readFileSync(path.join(alice, 'profile.json'), 'utf8')).session_token as string;
    const auth = { authorization: `Bearer ${token}` };
    const key: KeyPair = await generateKeyPair();
    const csr = createCsr(key, 'alice');
    const ok = await api(c.url, 'POST', '/certs/db', { csr, db_service: 'dev-db', db_user: 'app', db_name: 'app' }, auth);
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    const userCa = readFileSync(path.join(alice, 'keys', 'cas', 'user.pem'), 'utf8');
    const id = verifyUserCertificate(ok.json.certificate, { trusted: [userCa], route: { service: 'dev-db', protocol: 'postgres' } });
    expect(id.route).toEqual({ service: 'dev-db', protocol: 'postgres', username: 'app', database: 'app' });
    expect(pkiCode(() => verifyUserCertificate(ok.json.certificate, { trusted: [userCa], route: { service: 'staging-db' } }))).toBe('cert_wrong_route');
    expect(pkiCode(() => verifyUserCertificate(ok.json.certificate, { trusted: [userCa], route: 'none' }))).toBe('cert_wrong_route');

    const deniedUser = await api(c.url, 'POST', '/certs/db', { csr, db_service: 'dev-db', db_user: 'postgres', db_name: 'app' }, auth);
    expect(deniedUser.status).toBe(403);
    expect(deniedUser.json.error.message).toMatch(/postgres/);
    const hidden = await api(c.url, 'POST', '/certs/db', { csr, db_service: 'prod-db', db_user: 'alice', db_name: 'app' }, auth);
    expect(hidden.status).toBe(404);
    expect(hidden.json.error.message).toMatch(/databases you can reach: dev-db, staging-db/);
  });

  it('answers bad input with a 4xx and a message, and writes nothing', async () => {
    const key = await generateKeyPair();
    const csr = createCsr(key, 'alice');
    const login = (body: unknown) => api(c.url, 'POST', '/login/local', body);
    const bad = [
      [await login({ user: 'alice', password: 'wrong password!', otp: '000000', csr }), 401, /invalid user name, password or one-time code/],
      [await login({ user: 'nobody', password: PASSWORD, otp: '000000', csr }), 401, /invalid user name/],
      [await login({ user: 'alice', password: PASSWORD, csr }), 401, /one-time code/],
      [await login({ user: 'alice', password: PASSWORD, otp: '000000', csr: 'not a csr' }), 400, /CSR|PEM/i],
      [await login({ user: 'alice', password: PASSWORD, otp: '000000', csr: 'x'.repeat(20_000) }), 400, /too large/],
      [await api(c.url, 'POST', '/login/local', '{"user": '), 400, /malformed JSON/],
      [await api(c.url, 'POST', '/login/local', 'x'.repeat(300_000)), 413, /request body/],
      [await api(c.url, 'POST', '/join', { token: 'pjt_nope', csr, hostname: 'h', role: 'agent' }), 401, /join token is not valid/],
      [await api(c.url, 'GET', '/databases'), 401, /postern login/],
      [await api(c.url, 'GET', '/admin/users', undefined, { authorization: 'Bearer pst_notarealtoken' }), 401, /not valid/],
    ] as const;
    for (const [res, status, message] of bad) {
      expect(res.status, JSON.stringify(res.json)).toBe(status);
      expect(res.json.error.message).toMatch(message);
    }

    // An EC key: forge cannot carry it, and the message says what to use instead.
    const { execFileSync } = await import('node:child_process');
    const ecCsr = execFileSync('sh', ['-c', 'openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null -subj /CN=alice 2>/dev/null']).toString();
    const ec = await login({ user: 'alice', password: PASSWORD, otp: '000000', csr: ecCsr });
    expect(ec.status).toBe(400);
    expect(ec.json.error.message).toMatch(/RSA/);

    const unknownRole = await c.postern(['admin', 'users', 'add', 'bob', '--roles', 'nosuchrole', '--config', c.configFile]);
    expect(unknownRole.code).toBe(1);
    expect(unknownRole.stderr).toMatch(/unknown role nosuchrole; known roles: access, admin, dev/);
    const users = await c.postern(['admin', 'users', 'ls', '--format', 'json', '--config', c.configFile]);
    expect((JSON.parse(users.stdout) as { users: { name: string }[] }).users.map((u) => u.name)).not.toContain('bob');

    const badRole = await c.postern(['admin', 'roles', 'apply', '-f', '-', '--config', c.configFile], {
      input: 'kind: role\nmetadata: { name: x }\nspec: { allow: { db_names: oops } }\n',
    });
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toMatch(/spec\.allow\.db_names/);
  });

  it('rate-limits failed logins per user', async () => {
    const key = await generateKeyPair();
    const csr = createCsr(key, 'carol');
    let last = 0;
    for (let i = 0; i < 7; i++) {
      last = (await api(c.url, 'POST', '/login/local', { user: 'carol', password: 'not the password', otp: '123456', csr })).status;
    }
    expect(last).toBe(429);
  });

  it('records user.login (success and failure) and cert.create in the audit log, searchable by admins', async () => {
    const admin = c.newHome();
    const signed = await c.postern(['admin', 'users', 'sign', 'admin', '--out', admin, '--ttl', '1h', '--config', c.configFile]);
    expect(signed.code, signed.stderr).toBe(0);
    const search = async (args: string[]) => {
      const res = await c.postern(['audit', 'search', '--format', 'json', '--limit', '500', ...args], { home: admin });
      expect(res.code, res.stderr).toBe(0);
      return JSON.parse(res.stdout) as { event: string; code: string; user?: string; success?: boolean; cert_type?: string }[];
    };
    const logins = await search(['--event', 'user.login', '--user', 'alice']);
    expect(logins.some((e) => e.code === 'T1000I' && e.success === true)).toBe(true);
    expect(logins.some((e) => e.code === 'T1000W' && e.success === false)).toBe(true);
    expect(logins.every((e) => e.user === 'alice')).toBe(true);
    const certs = await search(['--event', 'cert.create', '--since', '1h']);
    expect(certs.filter((e) => e.cert_type === 'db').length).toBeGreaterThanOrEqual(1);
    expect(certs.every((e) => e.code.startsWith('TC000'))).toBe(true);
    // The refused request for db user postgres is there too.
    expect(certs.some((e) => e.code === 'TC000W' && e.success === false)).toBe(true);

    // Export pages through everything, oldest first, as JSON lines.
    const exported = await c.postern(['audit', 'export'], { home: admin });
    expect(exported.code, exported.stderr).toBe(0);
    const lines = exported.stdout.trim().split('\n').map((l) => JSON.parse(l) as { time: string });
    expect(lines.length).toBeGreaterThan(10);
    expect([...lines].sort((a, b) => a.time.localeCompare(b.time))).toEqual(lines);

    // alice may not read the audit log.
    const denied = await c.postern(['audit', 'search'], { home: alice });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/do not allow list on audit/);
  });

  it('keeps non-admins out of the admin API, and locks users out at once', async () => {
    const token = JSON.parse(readFileSync(path.join(alice, 'profile.json'), 'utf8')).session_token as string;
    const res = await api(c.url, 'GET', '/admin/users', undefined, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(403);

    const locked = await c.postern(['admin', 'users', 'lock', 'alice', '--config', c.configFile]);
    expect(locked.code, locked.stderr).toBe(0);
    const ls = await c.postern(['db', 'ls'], { home: alice });
    expect(ls.code).toBe(1);
    expect(ls.stderr).toMatch(/not valid|locked/);
    await c.postern(['admin', 'users', 'unlock', 'alice', '--config', c.configFile]);
  });
});

describe('auth.second_factor: webauthn', () => {
  it('refuses password-only logins instead of skipping the second factor', async () => {
    const c = await startCluster({ auth: { second_factor: 'webauthn' } });
    try {
      const added = await c.postern(['admin', 'users', 'add', 'dora', '--roles', 'access', '--config', c.configFile]);
      expect(added.code, added.stderr).toBe(0);
      await completeSignup(c.url, /(http\S+\/signup\/\S+)/.exec(added.stdout)![1]!, PASSWORD);
      const login = await c.postern(['login', '--proxy', c.url, '--user', 'dora', '--password-stdin'], { input: PASSWORD, home: c.newHome() });
      expect(login.code).toBe(1);
      expect(login.stderr).toMatch(/requires WebAuthn/);
    } finally {
      await c.stop();
    }
  });
});
