import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, run } from '@postern/testing';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTERN_BIN, type Cluster } from './helpers/cluster';
import { startMysqlStack, type MysqlStack } from './helpers/mysql-stack';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Tunnel {
  port: number;
  out(): string;
  err(): string;
  child: ChildProcess;
  /** SIGINT, as Ctrl-C; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** `postern proxy db NAME --tunnel --port P` as a process of its own, once it has said how to connect. */
async function startTunnel(home: string, name: string): Promise<Tunnel> {
  const port = await freePort();
  const child = spawn(process.execPath, [POSTERN_BIN, 'proxy', 'db', name, '--tunnel', '--port', String(port)], {
    env: { ...process.env, POSTERN_HOME: home, HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(killer);
    return code;
  };
  // The banner comes in more than one write: wait for its last client line.
  for (let i = 0; i < 400 && !stdout.includes('jdbc:') && child.exitCode === null; i++) await sleep(50);
  if (!stdout.includes('jdbc:')) {
    await stop();
    throw new Error(`postern proxy db did not start:\n${stdout}${stderr}`);
  }
  return { port, out: () => stdout, err: () => stderr, child, stop };
}

/**
 * `postern proxy db NAME --tunnel` for a MySQL database: plain clients on loopback, the
 * tunnel's TLS to the proxy's MySQL port with the database certificate, an agent in
 * another process, and a real MariaDB whose users log in by certificate subject.
 */
describe('postern proxy db --tunnel for a MariaDB database, through proxy and agent', () => {
  let stack: MysqlStack;
  let c: Cluster;
  let tunnel: Tunnel;
  let alice: string;
  let mysqlPort: number;
  /** A HOME without option files: the mariadb client reads ~/.my.cnf. */
  const bareHome = mkdtempSync(path.join(os.tmpdir(), 'postern-bare-'));

  /** The mariadb client as the banner prints it, plus arguments. */
  const printedMariadb = (extra: string) => {
    const line = tunnel
      .out()
      .split('\n')
      .find((l) => l.trim().startsWith('mariadb '))!
      .trim();
    return run('sh', ['-c', `${line} ${extra}`], { env: { ...process.env, HOME: bareHome }, timeoutMs: 30_000 });
  };
  const mariadb = (port: number, args: string[]) =>
    run('mariadb', ['--no-defaults', '--host=127.0.0.1', `--port=${port}`, '--protocol=TCP', ...args], { timeoutMs: 30_000 });
  const waitForLog = async (t: Tunnel, pattern: RegExp) => {
    for (let i = 0; i < 100 && !pattern.test(t.err()); i++) await sleep(50);
    expect(t.err()).toMatch(pattern);
  };

  beforeAll(async () => {
    stack = await startMysqlStack();
    ({ c, mysqlPort, alice } = stack);
    tunnel = await startTunnel(alice, 'shop');
  });

  afterAll(async () => {
    await tunnel?.stop();
    await stack?.stop();
    rmSync(bareHome, { recursive: true, force: true });
  });

  it('says how plain clients connect: the mariadb command, a URL, JDBC', () => {
    const at = `127.0.0.1:${tunnel.port}`;
    expect(tunnel.out()).toContain(`Tunnel to database shop listening on ${at}`);
    expect(tunnel.out()).toContain(`  mariadb --host=127.0.0.1 --port=${tunnel.port} --protocol=TCP --user=alice --database=app --skip-ssl\n`);
    expect(tunnel.out()).toContain(`  mysql://alice@${at}/app\n`);
    expect(tunnel.out()).toContain(`  jdbc:mysql://${at}/app?user=alice&sslMode=DISABLED`);
  });

  it('runs the mariadb client as printed, without TLS: a query and USE', async () => {
    const r = await printedMariadb(`-N -e 'select current_user(), database(); use other; select database(); \\s'`);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('alice@%\tapp');
    expect(lines[1]).toBe('other');
    // The client's leg is plain; the proxy admits only TLS with a certificate, so the tunnel's is not.
    expect(r.stdout).toMatch(/SSL:\s+Not in use/);
    await waitForLog(tunnel, /postern proxy db shop: #\d+ 127\.0\.0\.1:\d+: session as alice to app \(\d+\.\d s, \d+ B in, \S+ \S+ out\)/);
  });

  it('serves node mysql2 on the printed URL: no TLS, a prepared statement with parameters, audited', async () => {
    const marker = `m${Date.now()}`;
    const conn = await mysql.createConnection(`mysql://alice@127.0.0.1:${tunnel.port}/app`);
    try {
      await conn.query(`select '${marker}'`);
      const [rows] = await conn.execute('select ? + ? as n, ? as s', [40, 2, marker]);
      expect(rows).toEqual([{ n: 42, s: marker }]);
      await conn.query('use other');
    } finally {
      await conn.end();
    }

    const admin = c.newHome();
    await c.postern(['admin', 'users', 'sign', 'admin', '--out', admin, '--config', c.configFile]);
    const search = async (args: string[]) => {
      const res = await c.postern(['audit', 'search', '--format', 'json', '--limit', '5000', ...args], { home: admin });
      expect(res.code, res.stderr).toBe(0);
      return JSON.parse(res.stdout) as { sid: string; event: string; user: string; db_user: string; db_query?: string; db_query_parameters?: string[] }[];
    };
    let sid: string | undefined;
    for (let i = 0; i < 30 && !sid; i++) {
      sid = (await search(['--event', 'db.session.query', '--query', marker])).find((e) => e.db_query === `select '${marker}'`)?.sid;
      if (!sid) await sleep(300);
    }
    expect(sid).toBeDefined();
    const session = (await search(['--db', 'shop'])).filter((e) => e.sid === sid);
    const queries = session.filter((e) => e.event === 'db.session.query');
    expect(queries.map((e) => e.db_query).sort()).toEqual([`select '${marker}'`, 'select ? + ? as n, ? as s', 'use other'].sort());
    expect(queries.find((e) => e.db_query === 'select ? + ? as n, ? as s')?.db_query_parameters).toEqual(['40', '2', marker]);
    expect(session.find((e) => e.event === 'db.session.start')).toMatchObject({ user: 'alice', db_user: 'alice' });
  });

  it('passes the proxy’s refusal on as it is: a db user the certificate is not for', async () => {
    const r = await mariadb(tunnel.port, ['--user=root', '--skip-ssl', '-e', 'select 1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^ERROR 1045 \(28000\): this certificate is for database "shop" as db user "alice", not "root"/);
    await waitForLog(tunnel, /refused: the Postern proxy refused the login: ERROR 1045 \(28000\): this certificate is for database "shop"/);
  });

  it('tells a client what to run once the certificate has expired and cannot be renewed, and serves the next', async () => {
    const profileFile = path.join(alice, 'profile.json');
    const recordFile = path.join(alice, 'keys', 'db', 'shop.json');
    const profile = readFileSync(profileFile, 'utf8');
    const record = readFileSync(recordFile, 'utf8');
    const past = new Date(Date.now() - 60_000).toISOString();
    try {
      // The session is over too, so the tunnel cannot get a new certificate itself.
      writeFileSync(profileFile, JSON.stringify({ ...JSON.parse(profile), expires: past }));
      writeFileSync(recordFile, JSON.stringify({ ...JSON.parse(record), expires: past }));
      const r = await mariadb(tunnel.port, ['--user=alice', '--skip-ssl', '-e', 'select 1']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(
        /^ERROR 1045 \(28000\): postern: the certificate for shop has expired and could not be renewed \(your session expired at \S+: run `postern login --proxy \S+`\): run `postern db login shop`/,
      );
      const viaDriver = await mysql.createConnection(`mysql://alice@127.0.0.1:${tunnel.port}/app`).catch((e: unknown) => e as { errno: number; sqlState: string; message: string });
      expect(viaDriver).toMatchObject({ errno: 1045, sqlState: '28000', message: expect.stringContaining('postern db login shop') });
      await waitForLog(tunnel, /could not renew the certificate for shop: your session expired/);
    } finally {
      writeFileSync(profileFile, profile);
      writeFileSync(recordFile, record);
    }
    // As after `postern login` and `postern db login shop`: the same listener takes the next client.
    const again = await mariadb(tunnel.port, ['--user=alice', '--skip-ssl', '-N', '-e', 'select 42']);
    expect(again.stderr).toBe('');
    expect(again.stdout.trim()).toBe('42');
  });

  it('tells a client when the proxy is down, and serves the next once it is back', async () => {
    // A copy of alice's login whose proxy address leads to a port that is not listening yet.
    const home = mkdtempSync(path.join(os.tmpdir(), 'postern-home-'));
    const front = await freePort();
    const relays = new Set<net.Socket>();
    const proxyFront = net.createServer((s) => {
      const to = net.connect(mysqlPort, '127.0.0.1');
      for (const x of [s, to]) {
        relays.add(x);
        x.on('error', () => {});
      }
      s.pipe(to).pipe(s);
    });
    let second: Tunnel | undefined;
    try {
      cpSync(alice, home, { recursive: true });
      const recordFile = path.join(home, 'keys', 'db', 'shop.json');
      writeFileSync(recordFile, JSON.stringify({ ...JSON.parse(readFileSync(recordFile, 'utf8')), port: front }));
      second = await startTunnel(home, 'shop');

      const down = await mariadb(second.port, ['--user=alice', '--skip-ssl', '-e', 'select 1']);
      expect(down.code).not.toBe(0);
      expect(down.stderr).toMatch(
        new RegExp(`^ERROR 1429 \\(HY000\\): postern: cannot reach the Postern proxy at localhost:${front}: connect ECONNREFUSED \\S+; check \`postern db login shop\` and \`postern status\``),
      );
      await waitForLog(second, /refused: cannot reach the Postern proxy/);

      await new Promise<void>((resolve) => proxyFront.listen(front, '127.0.0.1', resolve));
      const up = await mariadb(second.port, ['--user=alice', '--skip-ssl', '-N', '-e', 'select current_user()']);
      expect(up.stderr).toBe('');
      expect(up.stdout.trim()).toBe('alice@%');
    } finally {
      await second?.stop();
      proxyFront.close();
      for (const s of relays) s.destroy();
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('ends a connection whose first packet is garbage with an ERR packet, and keeps listening', async () => {
    const answer = await new Promise<Buffer>((resolve, reject) => {
      const s = net.connect(tunnel.port, '127.0.0.1');
      let got = Buffer.alloc(0);
      s.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
      s.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
      s.once('close', () => resolve(got));
      s.once('error', reject);
    });
    // The proxy's greeting (sequence 0), then ERR 1043 with the client's next id.
    const greetingLength = answer.readUIntLE(0, 3);
    const err = answer.subarray(4 + greetingLength);
    expect(err[3]).toBe(1);
    expect(err[4]).toBe(0xff);
    expect(err.readUInt16LE(5)).toBe(1043);
    expect(err.subarray(7).toString()).toMatch(/^#08S01postern: bad handshake: a packet of \d+ bytes is over the limit/);
    await waitForLog(tunnel, /refused: bad handshake/);
    expect(tunnel.child.exitCode).toBeNull();
    const r = await mariadb(tunnel.port, ['--user=alice', '--skip-ssl', '-N', '-e', 'select 1']);
    expect(r.stdout.trim()).toBe('1');
  });

  it('stops on Ctrl-C', async () => {
    expect(await tunnel.stop()).toBe(0);
    expect(tunnel.err()).toMatch(/postern proxy db shop: stopped \(SIGINT\)/);
  });
});
