import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { run } from '@postern/testing';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpNow } from './helpers/api';
import { type Cluster } from './helpers/cluster';
import { DEV_ROLE, PASSWORD, startPgStack, type PgStack } from './helpers/pg-stack';

/**
 * "Connect from your machine" in the web UI, end to end: a person signs in through the web
 * login API, downloads a certificate bundle with the session cookie and the page's CSRF
 * token, unzips it and runs the real psql and mariadb clients exactly as the bundle's
 * README says, through the proxy and an agent to databases with certificate auth.
 */
describe('the web UI certificate bundle', () => {
  let stack: PgStack;
  let c: Cluster;
  let cookie: string;
  let csrf: string;
  let work: string;

  /** A request as the browser sends it: session cookie, and on POST the CSRF token and Origin. */
  const web = (method: string, p: string, body?: unknown, headers: Record<string, string> = {}, opts: { csrf?: boolean } = {}) =>
    fetch(`${c.url}${p}`, {
      method,
      headers: {
        cookie,
        ...(method === 'GET' ? {} : { origin: c.url }),
        ...(method === 'GET' || opts.csrf === false ? {} : { 'x-csrf-token': csrf }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
    });

  /** Writes the zip's files under `into` as an unzip tool would, the key readable by its owner alone. */
  function extract(zip: Uint8Array, into: string): string[] {
    const names: string[] = [];
    for (const [name, data] of Object.entries(unzipSync(zip))) {
      if (name.endsWith('/')) continue;
      const file = path.join(into, name);
      expect(path.relative(into, file).startsWith('..')).toBe(false);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, data);
      chmodSync(file, name.endsWith('.key') ? 0o600 : 0o644);
      names.push(name);
    }
    return names.sort();
  }

  /** The indented command lines of the README that follow `heading`. */
  function readmeCommand(readme: string, heading: string): string {
    const lines = readme.split('\n');
    const at = lines.findIndex((l) => l.startsWith(heading));
    expect(at, `README has no "${heading}":\n${readme}`).toBeGreaterThanOrEqual(0);
    const cmd = lines.slice(at + 1).find((l) => l.startsWith('  '));
    return cmd!.trim();
  }

  async function downloadBundle(db: string, body: Record<string, string>): Promise<{ dir: string; files: string[]; res: Response }> {
    const res = await web('POST', `/api/v1/databases/${db}/bundle`, body);
    expect(res.status, await res.clone().text()).toBe(200);
    const zip = new Uint8Array(await res.arrayBuffer());
    const dir = mkdtempSync(path.join(work, `${db}-`));
    return { dir, files: extract(zip, dir), res };
  }

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'postern-bundle-'));
    // Databases with TLS (a server certificate from `postern admin db sign`) and certificate auth.
    stack = await startPgStack({
      otp: true,
      mariadb: true,
      databases: ({ pg, maria }) => [
        { name: 'demo', protocol: 'postgres', uri: `127.0.0.1:${pg.port}`, labels: { env: 'dev' } },
        { name: 'shop', protocol: 'mysql', uri: `127.0.0.1:${maria!.port}`, labels: { env: 'dev', team: 'shop' } },
        // Outside alice's roles: the bundle endpoint must not serve it.
        { name: 'payroll', protocol: 'postgres', uri: `127.0.0.1:${pg.port}`, labels: { env: 'prod' } },
      ],
      roles: { dev: `${DEV_ROLE}  options: { max_session_ttl: 2h }\n` },
    });
    c = stack.c;
    const secret = stack.secrets.alice;

    // Sign in as the login page does; the session comes back as a cookie.
    const login = await fetch(`${c.url}/api/v1/login/web`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'alice', password: PASSWORD, otp: totpNow(secret!) }),
    });
    expect(login.status, await login.clone().text()).toBe(200);
    const session = login.headers.getSetCookie().find((h) => h.startsWith('postern_session='));
    expect(session).toBeDefined();
    cookie = session!.split(';')[0]!;

    // The agent registers its databases with its first heartbeat.
    for (let i = 0; i < 100; i++) {
      const res = await web('GET', '/api/v1/databases');
      const { databases } = (await res.json()) as { databases: { name: string; status: string }[] };
      if (databases.filter((d) => d.status === 'online').length === 2) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // The page carries the session's anti-CSRF token, as the browser code reads it.
    const page = await web('GET', '/databases');
    expect(page.status).toBe(200);
    const html = await page.text();
    csrf = /<meta name="postern-csrf" content="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(csrf).not.toBe('');
  });

  afterAll(async () => {
    await stack?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('lists the databases the roles allow, with status, protocol, labels and links', async () => {
    const html = await (await web('GET', '/databases')).text();
    expect(html).toContain('data-testid="db-row-demo"');
    expect(html).toContain('data-testid="db-row-shop"');
    expect(html).not.toContain('payroll');
    expect(html).toMatch(/data-testid="db-status-demo" data-status="online"/);
    expect(html).toMatch(/data-testid="db-protocol-shop" data-protocol="mysql"/);
    expect(html).toContain('href="/console/demo"');
    expect(html).toContain('href="/databases/demo/connect"');
    const connect = await web('GET', '/databases/demo/connect');
    expect(connect.status).toBe(200);
    const connectHtml = await connect.text();
    expect(connectHtml).toContain('data-testid="download-bundle"');
    expect(connectHtml).toContain('PGSERVICEFILE=pg_service.conf psql service=postern-demo');
    expect((await web('GET', '/databases/payroll/connect')).status).toBe(404);
    const consolePage = await web('GET', '/console/demo');
    expect(consolePage.status).toBe(200);
    expect(await consolePage.text()).toContain('data-testid="console-editor"');
  });

  it('downloads a PostgreSQL bundle that psql uses through Postern, as its README says', async () => {
    const { dir, files, res } = await downloadBundle('demo', { db_user: 'alice', db_name: 'app', ttl: '8h' });
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="postern-demo.zip"');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(files).toEqual(['README.txt', 'client.crt', 'client.key', 'pg_service.conf', 'proxy-ca.pem'].map((f) => `postern-demo/${f}`));

    const folder = path.join(dir, 'postern-demo');
    // The role caps the 8h asked for at its max_session_ttl of 2h.
    const expires = new Date(res.headers.get('x-postern-expires')!).getTime();
    expect(expires - Date.now()).toBeLessThanOrEqual(2 * 3600_000 + 5_000);
    expect(expires - Date.now()).toBeGreaterThan(2 * 3600_000 - 120_000);
    const cert = new X509Certificate(readFileSync(path.join(folder, 'client.crt')));
    expect(cert.subject).toContain('CN=alice');
    expect(cert.checkPrivateKey(createPrivateKey(readFileSync(path.join(folder, 'client.key'))))).toBe(true);
    expect(statSync(path.join(folder, 'client.key')).mode & 0o777).toBe(0o600);

    const readme = readFileSync(path.join(folder, 'README.txt'), 'utf8');
    // Nothing of this machine's own client settings: only what the bundle brings.
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir };
    delete env.PGSERVICEFILE;
    delete env.PGSERVICE;
    for (const heading of ["psql with the bundle's service file", 'psql with every setting on the command line']) {
      const command = readmeCommand(readme, heading);
      const r = await run('/bin/sh', ['-c', `${command} -X -v ON_ERROR_STOP=1 -Atc 'select current_user, current_database()'`], { cwd: folder, env, timeoutMs: 30_000 });
      expect(r.stderr, command).toBe('');
      expect(r.stdout.trim(), command).toBe('alice|app');
    }
  });

  it('downloads a MySQL bundle whose option file the mariadb client reads', async () => {
    const { dir } = await downloadBundle('shop', { db_user: 'alice', db_name: 'app' });
    const folder = path.join(dir, 'postern-shop');
    const readme = readFileSync(path.join(folder, 'README.txt'), 'utf8');
    const command = readmeCommand(readme, "MariaDB's client with the bundle's option file");
    expect(command).toBe('mariadb --defaults-extra-file=my.cnf --defaults-group-suffix=_postern-shop');
    const env = { ...process.env, HOME: dir };
    // The option file verifies the proxy's certificate (MariaDB's group) and names the client files.
    const defaults = await run('/bin/sh', ['-c', `${command} --print-defaults`], { cwd: folder, env });
    expect(defaults.stdout).toContain('--ssl-verify-server-cert');
    expect(defaults.stdout).toContain('--ssl-key=client.key');
    const r = await run('/bin/sh', ['-c', `${command} -N -e 'select current_user(), database()'`], { cwd: folder, env, timeoutMs: 30_000 });
    expect(r.stderr, command).toBe('');
    expect(r.stdout.trim()).toBe('alice@%\tapp');
  });

  it('records cert.create for the bundles, with their routes', async () => {
    const admin = c.newHome();
    const signed = await c.postern(['admin', 'users', 'sign', 'admin', '--out', admin, '--config', c.configFile]);
    expect(signed.code, signed.stderr).toBe(0);
    let routes: unknown[] = [];
    for (let i = 0; i < 30 && routes.length < 2; i++) {
      const res = await c.postern(['audit', 'search', '--event', 'cert.create', '--user', 'alice', '--format', 'json'], { home: admin });
      expect(res.code, res.stderr).toBe(0);
      const events = JSON.parse(res.stdout) as { cert_type?: string; success?: boolean; identity?: { route?: unknown } }[];
      routes = events.filter((e) => e.cert_type === 'db' && e.success !== false).map((e) => e.identity?.route);
      if (routes.length < 2) await new Promise((r) => setTimeout(r, 200));
    }
    expect(routes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ service: 'demo', protocol: 'postgres', username: 'alice', database: 'app' }),
        expect.objectContaining({ service: 'shop', protocol: 'mysql', username: 'alice', database: 'app' }),
      ]),
    );
  });

  it('refuses a database the roles do not allow, naming those they do', async () => {
    const res = await web('POST', '/api/v1/databases/payroll/bundle', { db_user: 'alice', db_name: 'app' });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toBe('unknown database "payroll"; databases you can reach: demo, shop');
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
  });

  it('refuses a db user the roles do not allow', async () => {
    const res = await web('POST', '/api/v1/databases/demo/bundle', { db_user: 'postgres', db_name: 'app' });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toBe('db user "postgres" is not allowed for database "demo"; your roles allow: alice');
  });

  it('refuses a db user that would break the client file', async () => {
    const res = await web('POST', '/api/v1/databases/demo/bundle', { db_user: 'alice\nsslmode=disable', db_name: 'app' });
    expect(res.status).toBe(400);
  });

  it('refuses a request without the CSRF token', async () => {
    const res = await web('POST', '/api/v1/databases/demo/bundle', { db_user: 'alice', db_name: 'app' }, {}, { csrf: false });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/CSRF token/);
  });

  it('refuses a request from another origin', async () => {
    const res = await web('POST', '/api/v1/databases/demo/bundle', { db_user: 'alice', db_name: 'app' }, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
  });

  it('refuses an unauthenticated request', async () => {
    const res = await fetch(`${c.url}/api/v1/databases/demo/bundle`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ db_user: 'alice', db_name: 'app' }),
    });
    expect(res.status).toBe(401);
  });
});
