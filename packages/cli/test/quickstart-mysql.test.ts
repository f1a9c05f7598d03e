import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { demoPostgresDir, runServerTool } from '@postern/local-postgres';
import { freePort, run, startMariadb, type TestMariadb } from '@postern/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeSignup, totpNow } from './helpers/api';
import { POSTERN_BIN, startPostern, type PosternProcess } from './helpers/cluster';

const PASSWORD = 'correct horse battery staple';

/**
 * The newcomer's path: `postern start` with no config file (the embedded default: web,
 * proxy, an agent and the demo PostgreSQL in one process), then their own MariaDB, signed
 * with `postern admin db sign` and listed in POSTERN_AGENT_DATABASES, after a restart. The
 * demo stays, and one person reaches both with the real clients through `postern db connect`.
 */
describe('postern start: the quickstart serves a MariaDB from the environment next to its demo PostgreSQL', () => {
  let root: string;
  let dataDir: string;
  let db: TestMariadb | undefined;
  let postern: PosternProcess | undefined;
  let firstStart = '';
  let home: string;
  let userEnv: NodeJS.ProcessEnv;

  const cli = (args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}) =>
    run(process.execPath, [POSTERN_BIN, ...args], { input: opts.input, env: opts.env ?? { ...process.env, POSTERN_HOME: path.join(root, 'home-admin') }, timeoutMs: 60_000 });

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'postern-quickstart-'));
    dataDir = path.join(root, 'data');
    const [webPort, proxyPort, mysqlPort] = [await freePort(), await freePort(), await freePort()];
    // Everything on loopback and free ports; otherwise the embedded default (OTP included).
    const ports = {
      POSTERN_WEB_LISTEN: `127.0.0.1:${webPort}`,
      POSTERN_PROXY_LISTEN: `127.0.0.1:${proxyPort}`,
      POSTERN_PROXY_MYSQL_LISTEN: `127.0.0.1:${mysqlPort}`,
      POSTERN_PROXY_PUBLIC_ADDR: `localhost:${proxyPort}`,
      POSTERN_AGENT_PROXY_ADDR: `localhost:${proxyPort}`,
    };

    // 1. The quickstart as the README runs it: no config, the demo only.
    postern = await startPostern(['--data-dir', dataDir], ports);
    firstStart = postern.logs();
    const signed = await cli(['admin', 'db', 'sign', '--host', '127.0.0.1,localhost', '--out', path.join(root, 'server'), '--data-dir', dataDir]);
    expect(signed.code, signed.stderr).toBe(0);
    const signupUrl = /First admin: +open (\S+)/.exec(firstStart)?.[1];
    expect(signupUrl, firstStart).toBeDefined();
    const totpSecret = await completeSignup(`http://127.0.0.1:${webPort}`, signupUrl!, PASSWORD);
    expect(await postern.stop()).toBe(0);
    postern = undefined;

    // 2. The person's MariaDB: TLS with the certificate Postern signed, a REQUIRE SUBJECT user.
    const read = (ext: string) => readFileSync(path.join(root, `server.${ext}`), 'utf8');
    db = await startMariadb({ tls: { serverCertPem: read('crt'), serverKeyPem: read('key'), clientCaPem: read('cas') } });
    await db.query(
      "create database app; create table app.notes (id int primary key, v varchar(40)); create user alice@'%' require subject '/CN=alice'; grant all on app.* to alice@'%'",
    );

    // 3. The quickstart again, now with the MariaDB listed in the environment.
    postern = await startPostern(['--data-dir', dataDir], {
      ...ports,
      POSTERN_AGENT_DATABASES: JSON.stringify([{ name: 'shop', protocol: 'mysql', uri: `127.0.0.1:${db.port}`, labels: { env: 'dev' } }]),
    });

    home = path.join(root, 'home-admin');
    userEnv = { ...process.env, POSTERN_HOME: home, HOME: home };
    const login = await cli(
      ['login', '--proxy', `localhost:${proxyPort}`, '--ca-file', path.join(dataDir, 'host-ca.pem'), '--user', 'admin', '--password-stdin', '--otp', totpNow(totpSecret!)],
      { input: PASSWORD, env: userEnv },
    );
    expect(login.code, login.stderr).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await postern?.stop();
    // A process that had to be killed leaves the demo PostgreSQL running.
    const demoDir = dataDir ? demoPostgresDir(dataDir) : undefined;
    if (demoDir && existsSync(path.join(demoDir, 'postmaster.pid'))) {
      await runServerTool('pg_ctl', ['-D', demoDir, '-m', 'immediate', '-w', 'stop'], { timeoutMs: 60_000 });
    }
    if (demoDir) rmSync(demoDir, { recursive: true, force: true });
    await db?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  }, 120_000);

  it('lists the demo alone when nothing else is configured', () => {
    expect(firstStart).toMatch(/ {2}Demo database: {2}demo \(PostgreSQL at 127\.0\.0\.1:\d+\): postern db connect demo --db-user postgres --db-name demo\n/);
    expect(firstStart).not.toContain('Databases:');
  });

  it('lists the MariaDB and the demo in the start-up output', () => {
    const out = postern!.logs();
    expect(out).toContain(`  Databases:      shop (MySQL at 127.0.0.1:${db!.port}): postern db connect shop --db-user USER --db-name DB\n`);
    expect(out).toMatch(/ {2}Demo database: {2}demo \(PostgreSQL at 127\.0\.0\.1:\d+\): postern db connect demo --db-user postgres --db-name demo\n/);
    expect(out).toContain('"msg":"postern ready"');
  });

  it('shows both databases to the signed-in person', async () => {
    const ls = await cli(['db', 'ls', '--format', 'json'], { env: userEnv });
    expect(ls.code, ls.stderr).toBe(0);
    const { databases } = JSON.parse(ls.stdout) as { databases: { name: string; protocol: string; status: string }[] };
    expect(databases.map((d) => `${d.name}:${d.protocol}:${d.status}`).sort()).toEqual(['demo:postgres:online', 'shop:mysql:online']);
  });

  it('reaches the MariaDB with the mariadb client through postern db connect', async () => {
    const r = await cli(['db', 'connect', 'shop', '--db-user', 'alice', '--db-name', 'app', '--', '-N', '-e', "insert into notes values (1, 'through postern'); select current_user(), database(), v from notes"], {
      env: userEnv,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('alice@%\tapp\tthrough postern');
    // The row is really in the MariaDB.
    expect(await db!.rows('select v from app.notes where id = 1')).toEqual([['through postern']]);
  });

  it('reaches the demo PostgreSQL with psql through postern db connect, in the same process', async () => {
    const r = await cli(['db', 'connect', 'demo', '--db-user', 'postgres', '--db-name', 'demo', '--', '-X', '-A', '-t', '-c', 'select current_user, name from products order by id'], {
      env: userEnv,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['postgres|Tea', 'postgres|Coffee', 'postgres|Cake']);
  });
});
