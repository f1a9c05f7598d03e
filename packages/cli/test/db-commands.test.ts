import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createCertAuthority,
  createCsr,
  generateKeyPair,
  signDbClientCertificate,
  signDbServerCertificate,
  verifyUserCertificate,
  type CertAuthority,
} from '@postern/pki';
import { freePort, run, startPostgres, type TestPostgres } from '@postern/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSections } from '../src/db/ini';
import { startLocalProxy, type LocalProxy } from '../src/db/local-proxy';
import type { DbCredentials } from '../src/db/proxy-tls';
import { completeSignup } from './helpers/api';
import { joinAgent, newJoinToken } from './helpers/agent';
import { POSTERN_BIN, startCluster, type Cluster } from './helpers/cluster';

const PASSWORD = 'correct horse battery staple';
const mode = (file: string) => statSync(file).mode & 0o777;
const sections = (file: string) => parseSections(readFileSync(file, 'utf8'));

describe('postern db login, config, env, connect and logout against a real cluster', () => {
  let c: Cluster;
  let home: string; // alice's POSTERN_HOME
  let userHome: string; // stands in for ~, so that ~/.my.cnf is not the real one
  let serviceFile: string;
  let env: NodeJS.ProcessEnv;
  let port: string;
  const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => c.postern(args, { home, env: { ...env, ...extraEnv } });

  beforeAll(async () => {
    c = await startCluster({ auth: { second_factor: 'off' } });
    port = new URL(c.url).port;
    const role = path.join(c.root, 'dev.yaml');
    writeFileSync(role, "kind: role\nmetadata: { name: dev }\nspec:\n  allow:\n    db_labels: { env: dev }\n    db_names: [app]\n    db_users: ['{{internal.db_users}}']\n");
    const applied = await c.postern(['admin', 'roles', 'apply', '-f', role, '--config', c.configFile]);
    expect(applied.code, applied.stderr).toBe(0);
    const added = await c.postern(['admin', 'users', 'add', 'alice', '--roles', 'dev', '--traits', 'db_users=alice,app', '--config', c.configFile]);
    expect(added.code, added.stderr).toBe(0);
    await completeSignup(c.url, /(https?:\/\/\S+\/signup\/\S+)/.exec(added.stdout)![1]!, PASSWORD);

    home = c.newHome();
    userHome = mkdtempSync(path.join(os.tmpdir(), 'postern-home-'));
    serviceFile = path.join(userHome, 'services', 'pg_service.conf');
    mkdirSync(path.dirname(serviceFile));
    // Someone's own services, which must survive every command below.
    writeFileSync(serviceFile, '# my services\n[mine]\nhost=db.example.org\ndbname=mine\n');
    writeFileSync(path.join(userHome, '.my.cnf'), '[client]\nuser=me\n');
    chmodSync(path.join(userHome, '.my.cnf'), 0o600);
    env = { HOME: userHome, PGSERVICEFILE: serviceFile };
    const login = await c.postern(['login', '--proxy', c.url, '--user', 'alice', '--password-stdin'], { input: PASSWORD, home, env });
    expect(login.code, login.stderr).toBe(0);

    const agent = await joinAgent(c, await newJoinToken(c));
    const hb = await agent.call('POST', '/agents/heartbeat', {
      name: 'agent-1',
      databases: [
        { name: 'demo', protocol: 'postgres', uri: '127.0.0.1:5432', labels: { env: 'dev' } },
        { name: 'orders', protocol: 'mysql', uri: '127.0.0.1:3306', labels: { env: 'dev' } },
        { name: 'prod', protocol: 'postgres', uri: '127.0.0.1:5433', labels: { env: 'prod' } },
      ],
    });
    expect(hb.status, JSON.stringify(hb.json)).toBe(204);
  });

  afterAll(async () => {
    await c?.stop();
    if (userHome) rmSync(userHome, { recursive: true, force: true });
  });

  it('asks for the db user when the roles allow several, and names them', async () => {
    const r = await cli(['db', 'login', 'demo']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/database demo: choose the db user with --db-user; your roles allow: alice, app/);
  });

  it('refuses a db user the roles do not allow, listing those they do, and writes nothing', async () => {
    const r = await cli(['db', 'login', 'demo', '--db-user', 'postgres']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/db user "postgres" is not allowed for database "demo"; your roles allow: alice, app/);
    expect(existsSync(path.join(home, 'keys', 'db', 'demo.crt'))).toBe(false);
    expect([...sections(serviceFile).keys()]).toEqual(['mine']);
  });

  it('names the databases within reach for an unknown one', async () => {
    const r = await cli(['db', 'login', 'prod', '--db-user', 'alice']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown database "prod"; databases you can reach: demo, orders/);
    const bad = await cli(['db', 'login', '../etc']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/is not a database name/);
  });

  it('writes the key, the certificate and a pg_service.conf section next to the others', async () => {
    const r = await cli(['db', 'login', 'demo', '--db-user', 'alice']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Logged in to database demo (postgres) as db user alice, db name app.');
    expect(r.stdout).toContain(`wrote [postern-demo] in ${serviceFile}`);
    expect(r.stdout).toContain('psql "service=postern-demo"');
    expect(r.stdout).toMatch(/valid until: \S+ \(in \d+h\d\dm\)/);

    const keyFile = path.join(home, 'keys', 'db', 'demo.key');
    const certFile = path.join(home, 'keys', 'db', 'demo.crt');
    for (const f of [keyFile, certFile, path.join(home, 'keys', 'db', 'demo.json'), serviceFile]) expect(mode(f), f).toBe(0o600);

    const all = sections(serviceFile);
    expect([...all.keys()]).toEqual(['mine', 'postern-demo']);
    expect(all.get('mine')).toEqual(new Map([['host', 'db.example.org'], ['dbname', 'mine']]));
    expect(Object.fromEntries(all.get('postern-demo')!)).toEqual({
      // The cluster runs no proxy of its own here, so the address logged in with is the proxy's.
      host: '127.0.0.1',
      port,
      user: 'alice',
      dbname: 'app',
      sslmode: 'verify-full',
      sslrootcert: path.join(home, 'keys', 'cas', 'host.pem'),
      sslcert: certFile,
      sslkey: keyFile,
    });

    // The certificate carries the route the proxy checks, for the key written next to it.
    const cert = readFileSync(certFile, 'utf8');
    expect(new X509Certificate(cert).checkPrivateKey(createPrivateKey(readFileSync(keyFile, 'utf8')))).toBe(true);
    const id = verifyUserCertificate(cert, { trusted: [readFileSync(path.join(home, 'keys', 'cas', 'user.pem'), 'utf8')], route: { service: 'demo', protocol: 'postgres' } });
    expect(id.route).toEqual({ service: 'demo', protocol: 'postgres', username: 'alice', database: 'app' });

    // libpq reads the file: it gets as far as the address (a web server, which does not speak PostgreSQL).
    const psql = await run('psql', ['service=postern-demo', '-Xc', 'select 1'], { env: { ...process.env, ...env, PGCONNECT_TIMEOUT: '5' }, timeoutMs: 20_000 });
    expect(psql.code).not.toBe(0);
    expect(psql.stderr).not.toMatch(/service file|definition of service/);
    expect(psql.stderr).toMatch(new RegExp(`127\\.0\\.0\\.1.*${port}|SSL`));
  });

  it('replaces its section on a new login rather than adding another', async () => {
    const r = await cli(['db', 'login', 'demo', '--db-user', 'app', '--ttl', '30m']);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(serviceFile, 'utf8');
    expect(text.match(/\[postern-demo\]/g)).toHaveLength(1);
    expect(sections(serviceFile).get('postern-demo')?.get('user')).toBe('app');
    const rec = JSON.parse(readFileSync(path.join(home, 'keys', 'db', 'demo.json'), 'utf8')) as { expires: string };
    expect(new Date(rec.expires).getTime() - Date.now()).toBeLessThanOrEqual(30 * 60_000 + 5_000);
  });

  it('prints the connection as text, JSON and a command line', async () => {
    const ca = path.join(home, 'keys', 'cas', 'host.pem');
    const cert = path.join(home, 'keys', 'db', 'demo.crt');
    const key = path.join(home, 'keys', 'db', 'demo.key');
    const asJson = await cli(['db', 'config', 'demo', '--format', 'json']);
    expect(asJson.code, asJson.stderr).toBe(0);
    const parsed = JSON.parse(asJson.stdout) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['name', 'protocol', 'host', 'port', 'user', 'database', 'ca', 'cert', 'key', 'expires', 'config_file', 'config_section']);
    expect(parsed).toMatchObject({ name: 'demo', protocol: 'postgres', host: '127.0.0.1', port: Number(port), user: 'app', database: 'app', ca, cert, key });
    expect(parsed).toMatchObject({ config_file: serviceFile, config_section: 'postern-demo' });

    const text = await cli(['db', 'config', 'demo']);
    expect(text.stdout).toMatch(new RegExp(`^Host: +127\\.0\\.0\\.1$`, 'm'));
    expect(text.stdout).toMatch(new RegExp(`^Port: +${port}$`, 'm'));
    expect(text.stdout).toMatch(/^User: +app$/m);
    expect(text.stdout).toContain(cert);

    const cmd = await cli(['db', 'config', 'demo', '--format', 'cmd']);
    expect(cmd.stdout.trim()).toBe(
      `psql 'host=127.0.0.1 port=${port} user=app dbname=app sslmode=verify-full sslrootcert=${ca} sslcert=${cert} sslkey=${key}'`,
    );
    const bad = await cli(['db', 'config', 'demo', '--format', 'yaml']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--format: text, json or cmd/);
    const none = await cli(['db', 'config', 'orders']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/not logged in to database orders: run `postern db login orders`/);
  });

  it('prints exports that a shell evaluates to the same settings', async () => {
    const r = await cli(['db', 'env', 'demo']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean).every((l) => l.startsWith('export PG'))).toBe(true);
    const shell = await run('sh', ['-c', 'eval "$(cat)"; echo "$PGHOST|$PGPORT|$PGUSER|$PGDATABASE|$PGSSLMODE|$PGSSLROOTCERT|$PGSSLCERT|$PGSSLKEY"'], { input: r.stdout });
    expect(shell.stdout.trim()).toBe(
      ['127.0.0.1', port, 'app', 'app', 'verify-full', path.join(home, 'keys', 'cas', 'host.pem'), path.join(home, 'keys', 'db', 'demo.crt'), path.join(home, 'keys', 'db', 'demo.key')].join('|'),
    );
  });

  it('writes a ~/.my.cnf group for a MySQL database that the installed client reads', async () => {
    const r = await cli(['db', 'login', 'orders', '--db-user', 'alice']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('mysql --defaults-group-suffix=_postern-orders');
    const myCnf = path.join(userHome, '.my.cnf');
    expect(mode(myCnf)).toBe(0o600);
    const groups = sections(myCnf);
    expect(groups.get('client')).toEqual(new Map([['user', 'me']]));
    expect(Object.fromEntries(groups.get('client_postern-orders')!)).toMatchObject({
      host: '127.0.0.1',
      // The MySQL port: ping does not name one yet, so the default.
      port: '3036',
      protocol: 'TCP',
      user: 'alice',
      database: 'app',
      'ssl-ca': path.join(home, 'keys', 'cas', 'host.pem'),
      'ssl-cert': path.join(home, 'keys', 'db', 'orders.crt'),
      'ssl-key': path.join(home, 'keys', 'db', 'orders.key'),
      'ssl-verify-server-cert': '',
    });
    const printed = await run('mysql', ['--defaults-group-suffix=_postern-orders', '--print-defaults'], { env: { ...process.env, HOME: userHome } });
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toContain('--port=3036');
    expect(printed.stdout).toContain(`--ssl-cert=${path.join(home, 'keys', 'db', 'orders.crt')}`);
    expect(printed.stdout).toContain('--ssl-verify-server-cert');

    const envOut = await cli(['db', 'env', 'orders']);
    expect(envOut.stdout).toContain('export MYSQL_HOST=127.0.0.1\nexport MYSQL_TCP_PORT=3036\n');
    const cmd = await cli(['db', 'config', 'orders', '--format', 'cmd']);
    expect(cmd.stdout).toMatch(/^mariadb --host=127\.0\.0\.1 --port=3036 --protocol=TCP --user=alice --database=app --ssl-ca=\S+ --ssl-cert=\S+ --ssl-key=\S+ --ssl-verify-server-cert$/m);

    // The tunnel speaks MySQL too, and says how a plain client connects to it.
    const tunnelPort = await freePort();
    const tunnel = spawn(process.execPath, [POSTERN_BIN, 'proxy', 'db', 'orders', '--tunnel', '--port', String(tunnelPort)], {
      env: { ...process.env, ...env, POSTERN_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let banner = '';
    tunnel.stdout!.on('data', (d: Buffer) => (banner += d.toString()));
    tunnel.stderr!.on('data', (d: Buffer) => (banner += d.toString()));
    const stopped = new Promise<number | null>((resolve) => tunnel.once('exit', resolve));
    try {
      for (let i = 0; i < 200 && !banner.includes('jdbc:'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(banner).toContain(`Tunnel to database orders listening on 127.0.0.1:${tunnelPort}`);
      expect(banner).toContain(`mariadb --host=127.0.0.1 --port=${tunnelPort} --protocol=TCP --user=alice --database=app --skip-ssl`);
    } finally {
      tunnel.kill('SIGINT');
    }
    expect(await stopped).toBe(0);
  });

  it('runs psql on the service, logging in again for another db user, and passes its exit code on', async () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'postern-bin-'));
    // A stand-in psql: what matters is how it is called, and that its exit code comes back.
    writeFileSync(path.join(bin, 'psql'), '#!/bin/sh\necho "args: $*"\necho "service file: $PGSERVICEFILE"\nexit 7\n', { mode: 0o755 });
    try {
      const r = await cli(['db', 'connect', 'demo', '--db-user', 'alice', '--', '-c', 'select 1'], { PATH: bin });
      expect(r.code, r.stderr).toBe(7);
      expect(r.stdout).toContain('args: service=postern-demo -c select 1');
      expect(r.stdout).toContain(`service file: ${serviceFile}`);
      // The certificate was for db user app: connect got one for alice first.
      expect(r.stderr).toMatch(/Logged in to database demo as db user alice, db name app/);
      expect(sections(serviceFile).get('postern-demo')?.get('user')).toBe('alice');

      // A current certificate is used as it is.
      const again = await cli(['db', 'connect', 'demo'], { PATH: bin });
      expect(again.code).toBe(7);
      expect(again.stderr).toBe('');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
    const missing = await cli(['db', 'connect', 'demo'], { PATH: '/nonexistent' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/psql is not installed/);
  });

  it('logs out of one database, then of all, removing only its own sections', async () => {
    const one = await cli(['db', 'logout', 'demo']);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain('Logged out of database demo');
    expect(one.stdout).toContain(`Removed [postern-demo] in ${serviceFile}`);
    expect(existsSync(path.join(home, 'keys', 'db', 'demo.key'))).toBe(false);
    expect(existsSync(path.join(home, 'keys', 'db', 'demo.crt'))).toBe(false);
    expect(readFileSync(serviceFile, 'utf8')).toBe('# my services\n[mine]\nhost=db.example.org\ndbname=mine\n');
    expect(sections(path.join(userHome, '.my.cnf')).has('client_postern-orders')).toBe(true);

    const again = await cli(['db', 'logout', 'demo']);
    expect(again.stdout).toContain('Not logged in to database demo.');

    const all = await cli(['db', 'logout']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain('Logged out of database orders');
    expect(readFileSync(path.join(userHome, '.my.cnf'), 'utf8')).toBe('[client]\nuser=me\n');
    expect(existsSync(path.join(home, 'keys', 'db', 'orders.key'))).toBe(false);
  });

  it('removes the database sections on `postern logout` too', async () => {
    expect((await cli(['db', 'login', 'demo', '--db-user', 'alice'])).code).toBe(0);
    expect(sections(serviceFile).has('postern-demo')).toBe(true);
    const out = await cli(['logout']);
    expect(out.code, out.stderr).toBe(0);
    expect([...sections(serviceFile).keys()]).toEqual(['mine']);
    const login = await cli(['db', 'login', 'demo', '--db-user', 'alice']);
    expect(login.code).toBe(1);
    expect(login.stderr).toMatch(/not logged in: run `postern login/);
  });

  it('has --help on every command', async () => {
    for (const args of [['db', 'login'], ['db', 'logout'], ['db', 'connect'], ['db', 'config'], ['db', 'env'], ['proxy', 'db']]) {
      const r = await cli([...args, '--help']);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`Usage: postern ${args.join(' ')}`));
    }
    const usage = await cli(['proxy', 'db']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/missing required argument 'name'/);
  });
});

/** The local proxy, with a real PostgreSQL standing in for the Postern proxy (TLS, certificate auth). */
describe('postern proxy db: the local tunnel and pass-through', () => {
  let pgServer: TestPostgres;
  let ca: CertAuthority;
  let alice: DbCredentials;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'postern-proxy-db-'));
  const home = path.join(dir, 'home');

  async function clientCert(authority: CertAuthority, cn: string): Promise<DbCredentials> {
    const key = await generateKeyPair();
    return { certPem: signDbClientCertificate(authority, createCsr(key, cn), cn, 3600_000), keyPem: key.privateKeyPem, caPem: ca.certPem };
  }

  const psql = (port: number, args: string[], conninfo = 'sslmode=disable') =>
    run('psql', [`host=127.0.0.1 port=${port} user=alice dbname=postgres ${conninfo}`, '-X', ...args], {
      env: { ...process.env, PGCONNECT_TIMEOUT: '10', PGSERVICEFILE: '/nonexistent' },
      timeoutMs: 30_000,
    });

  async function withProxy<T>(credentials: DbCredentials | null, fn: (p: LocalProxy, logs: string[]) => Promise<T>): Promise<T> {
    const logs: string[] = [];
    const p = await startLocalProxy({
      target: { host: '127.0.0.1', port: pgServer.port },
      protocol: 'postgres',
      ...(credentials ? { credentials: async () => credentials } : {}),
      hint: 'check `postern db login demo`',
      log: (l) => logs.push(l),
    });
    try {
      return await fn(p, logs);
    } finally {
      await p.close();
    }
  }

  beforeAll(async () => {
    // A CA of the test's own: the Host CA cannot sign a PostgreSQL server's certificate.
    ca = await createCertAuthority('db_client', 'test');
    const serverKey = await generateKeyPair();
    const serverCert = signDbServerCertificate(ca, createCsr(serverKey, '127.0.0.1'), ['127.0.0.1', 'localhost'], 3600_000);
    pgServer = await startPostgres({ tls: { serverCertPem: serverCert, serverKeyPem: serverKey.privateKeyPem, clientCaPem: ca.certPem }, certAuth: true });
    await pgServer.query('create role alice login; create role bob login');
    alice = await clientCert(ca, 'alice');

    // The layout `postern login` and `postern db login` leave, pointing at that server.
    const expires = new Date(Date.now() + 3600_000).toISOString();
    mkdirSync(path.join(home, 'keys', 'cas'), { recursive: true });
    mkdirSync(path.join(home, 'keys', 'db'), { recursive: true });
    writeFileSync(
      path.join(home, 'profile.json'),
      JSON.stringify({ proxy: 'https://127.0.0.1:1', user: 'alice', roles: ['dev'], cluster_name: 'test', session_token: 'pst_unused', expires }),
    );
    writeFileSync(path.join(home, 'keys', 'cas', 'host.pem'), ca.certPem);
    writeFileSync(path.join(home, 'keys', 'db', 'demo.crt'), alice.certPem);
    writeFileSync(path.join(home, 'keys', 'db', 'demo.key'), alice.keyPem, { mode: 0o600 });
    writeFileSync(
      path.join(home, 'keys', 'db', 'demo.json'),
      JSON.stringify({ db_service: 'demo', protocol: 'postgres', db_user: 'alice', db_name: 'postgres', host: '127.0.0.1', port: pgServer.port, expires }),
    );
  });

  afterAll(async () => {
    await pgServer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs as a command: plain psql in, the database user out, a CancelRequest forwarded, Ctrl-C to stop', async () => {
    const port = await freePort();
    const child: ChildProcess = spawn(process.execPath, [POSTERN_BIN, 'proxy', 'db', 'demo', '--tunnel', '--port', String(port)], {
      env: { ...process.env, POSTERN_HOME: home, HOME: dir, PGSERVICEFILE: path.join(dir, 'pg_service.conf') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      // The banner comes in more than one write: wait for its last line.
      for (let i = 0; i < 200 && !stdout.includes('psql "host='); i++) await new Promise((r) => setTimeout(r, 50));
      expect(stdout, stderr).toContain(`Tunnel to database demo listening on 127.0.0.1:${port}`);
      expect(stdout).toContain(`psql "host=127.0.0.1 port=${port} user=alice dbname=postgres sslmode=disable"`);

      const r = await psql(port, ['-Atc', 'select current_user, ssl from pg_stat_ssl where pid = pg_backend_pid()']);
      expect(r.stderr).toBe('');
      // The database saw alice, over TLS, though psql spoke plain PostgreSQL.
      expect(r.stdout.trim()).toBe('alice|t');

      // psql sends a CancelRequest on a new connection to the same address when it gets Ctrl-C.
      const started = Date.now();
      const sleeper = spawn('psql', [`host=127.0.0.1 port=${port} user=alice dbname=postgres sslmode=disable`, '-Xc', 'select pg_sleep(60)'], {
        env: { ...process.env, PGSERVICEFILE: '/nonexistent' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let sleeperErr = '';
      sleeper.stderr.on('data', (d: Buffer) => (sleeperErr += d.toString()));
      const sleeperExit = new Promise<number | null>((resolve) => sleeper.once('exit', resolve));
      await new Promise((res) => setTimeout(res, 1500));
      sleeper.kill('SIGINT');
      expect(await sleeperExit).not.toBe(0);
      expect(sleeperErr).toMatch(/canceling statement due to user request/);
      expect(Date.now() - started).toBeLessThan(15_000);
      for (let i = 0; i < 50 && !stderr.includes('cancel request forwarded'); i++) await new Promise((res) => setTimeout(res, 50));
      expect(stderr).toMatch(/postern proxy db demo: #\d+ 127\.0\.0\.1:\d+: cancel request forwarded/);
      expect(stderr).toMatch(/postern proxy db demo: #1 127\.0\.0\.1:\d+: session as alice to postgres \(\d+\.\d s, \d+ B in, \S+ \S+ out\)/);

      // Megabytes both ways, as a dump or a restore moves them.
      const big = 'x'.repeat(3 * 1024 * 1024);
      const up = await run('psql', [`host=127.0.0.1 port=${port} user=alice dbname=postgres sslmode=disable`, '-XAt'], {
        input: `select length('${big}');\ncopy (select g, md5(g::text) from generate_series(1, 100000) g) to stdout;\n`,
        env: { ...process.env, PGSERVICEFILE: '/nonexistent' },
      });
      expect(up.stderr).toBe('');
      const lines = up.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe(String(big.length));
      expect(lines).toHaveLength(100_001);
      expect(lines.at(-1)).toMatch(/^100000\t[0-9a-f]{32}$/);

      // An idle session open at Ctrl-C does not keep the tunnel from stopping.
      const idle = spawn('psql', [`host=127.0.0.1 port=${port} user=alice dbname=postgres sslmode=disable`, '-X'], {
        env: { ...process.env, PGSERVICEFILE: '/nonexistent' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const idleExit = new Promise<number | null>((resolve) => idle.once('exit', resolve));
      let idleOut = '';
      idle.stdout.on('data', (d: Buffer) => (idleOut += d.toString()));
      idle.stdin.write('select 40 + 2;\n');
      for (let i = 0; i < 200 && !idleOut.includes('42'); i++) await new Promise((res) => setTimeout(res, 25));
      expect(idleOut).toContain('42');
      const stopping = Date.now();
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(3_000);
      idle.stdin.end('select 1;\n');
      expect(await idleExit).not.toBe(0);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/stopped \(SIGINT\)/);
  });

  it('passes PostgreSQL refusal messages through: a certificate for another user', async () => {
    const bob = await clientCert(ca, 'bob');
    await withProxy(bob, async (p, logs) => {
      const r = await psql(p.port, ['-c', 'select 1']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/certificate authentication failed for user "alice"/);
      await new Promise((res) => setTimeout(res, 100));
      expect(logs.join('\n')).toMatch(/session as alice to postgres/);
    });
  });

  it('explains a client certificate the server does not trust, with the TLS alert', async () => {
    const foreign = await clientCert(await createCertAuthority('db_client', 'test'), 'alice');
    await withProxy(foreign, async (p) => {
      const r = await psql(p.port, ['-c', 'select 1']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(
        /FATAL: +postern: the Postern proxy at 127\.0\.0\.1:\d+ ended the connection: it did not accept the database certificate \(tlsv1 alert unknown ca\); check `postern db login demo`/,
      );
    });
  });

  it('refuses a proxy whose certificate is not from the Host CA', async () => {
    const otherCa = await createCertAuthority('db_client', 'test');
    await withProxy({ ...alice, caPem: otherCa.certPem }, async (p) => {
      const r = await psql(p.port, ['-c', 'select 1']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/FATAL: +postern: cannot reach the Postern proxy at 127\.0\.0\.1:\d+: its certificate is not signed by the cluster's Host CA/);
    });
  });

  it('passes bytes through unchanged without --tunnel, for clients that do TLS themselves', async () => {
    const files = { ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'alice.crt'), key: path.join(dir, 'alice.key') };
    writeFileSync(files.ca, ca.certPem);
    writeFileSync(files.cert, alice.certPem);
    writeFileSync(files.key, alice.keyPem, { mode: 0o600 });
    await withProxy(null, async (p, logs) => {
      const r = await psql(p.port, ['-Atc', 'select current_user'], `sslmode=verify-ca sslrootcert=${files.ca} sslcert=${files.cert} sslkey=${files.key}`);
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('alice');
      await new Promise((res) => setTimeout(res, 100));
      expect(logs.join('\n')).toMatch(/relayed/);
    });
  });
});
