import net from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { run, type TestMariadb } from '@postern/testing';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster } from './helpers/cluster';
import { scrape, sampleValue } from './helpers/metrics';
import { startMysqlStack, type MysqlStack } from './helpers/mysql-stack';


/** The version string in a MySQL server greeting (HandshakeV10), read off the wire. */
function greetingVersion(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('data', (d: Buffer) => {
      s.destroy();
      // 4-byte header, protocol version 10, then the NUL-terminated version.
      resolve(d.subarray(5, d.indexOf(0, 5)).toString('latin1'));
    });
    s.once('error', reject);
  });
}

/**
 * MySQL clients through the proxy's MySQL port and an agent in another process to a real
 * MariaDB whose users log in by certificate subject (REQUIRE SUBJECT).
 */
describe('native MySQL/MariaDB access through proxy and agent', () => {
  let stack: MysqlStack;
  let c: Cluster;
  let db: TestMariadb;
  let mysqlPort: number;
  let alice: string;
  let env: NodeJS.ProcessEnv;
  let ssl: { ca: string; cert: string; key: string; servername: string };

  const mariadb = (args: string[], input?: string) =>
    run('mariadb', ['--defaults-group-suffix=_postern-shop', ...args], { env, input, timeoutMs: 60_000 });
  const connect = (opts: Partial<mysql.ConnectionOptions> = {}) =>
    mysql.createConnection({ host: '127.0.0.1', port: mysqlPort, user: 'alice', database: 'app', ssl, ...opts });

  beforeAll(async () => {
    stack = await startMysqlStack({ metrics: true });
    ({ c, db, mysqlPort, alice } = stack);
    env = stack.env;
    ssl = {
      ca: readFileSync(path.join(alice, 'keys', 'cas', 'host.pem'), 'utf8'),
      cert: readFileSync(path.join(alice, 'keys', 'db', 'shop.crt'), 'utf8'),
      key: readFileSync(path.join(alice, 'keys', 'db', 'shop.key'), 'utf8'),
      servername: 'localhost',
    };
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('greets clients with the database’s real version', async () => {
    // MariaDB greets with a 5.5.5- prefix for old MySQL clients; the proxy passes it on as is.
    expect(await greetingVersion(mysqlPort)).toBe(await greetingVersion(db.port));
    expect(await greetingVersion(mysqlPort)).toContain(db.version);
  });

  it('runs the mariadb client through the option group that postern db login wrote', async () => {
    const proxyBefore = await scrape(stack.metrics!.cluster);
    const agentBefore = await scrape(stack.metrics!.agent);
    const r = await mariadb(['-N', '-e', 'select current_user(), database()']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('alice@%\tapp');
    // Counted as a MySQL session by both processes.
    const proxySeries = 'postern_proxy_client_connections_total{protocol="mysql"}';
    const agentSeries = 'postern_agent_sessions_total{database="shop",protocol="mysql",access_through="native"}';
    expect(sampleValue(await scrape(stack.metrics!.cluster), proxySeries) - sampleValue(proxyBefore, proxySeries)).toBe(1);
    expect(sampleValue(await scrape(stack.metrics!.agent), agentSeries) - sampleValue(agentBefore, agentSeries)).toBe(1);
  });

  it('serves USE, multi-statement queries and prepared statements with parameters', async () => {
    const use = await mariadb(['-N', '-e', 'use other; select database()']);
    expect(use.stdout.trim()).toBe('other');
    const conn = await connect({ multipleStatements: true });
    try {
      const [multi] = (await conn.query('create table t (id int primary key, v varchar(20)); insert into t values (1, "one"), (2, "two"); select count(*) as n from t')) as unknown as [unknown[]];
      expect((multi[2] as { n: number }[])[0]!.n).toBe(2);
      const [rows] = await conn.execute('select v from t where id = ? and v <> ?', [2, 'x']);
      expect(rows).toEqual([{ v: 'two' }]);
    } finally {
      await conn.end();
    }
  });

  it('carries a 20 MiB row in and out intact', async () => {
    const conn = await connect({ maxPreparedStatements: 4 });
    try {
      await conn.query('create table blobs (id int primary key, b longblob)');
      const blob = Buffer.alloc(20 * 1024 * 1024);
      for (let i = 0; i < blob.length; i += 4096) blob.writeUInt32BE(i, i);
      await conn.execute('insert into blobs values (?, ?)', [1, blob]);
      const [rows] = (await conn.query('select b from blobs where id = 1')) as unknown as [{ b: Buffer }[]];
      expect(rows[0]!.b.equals(blob)).toBe(true);
    } finally {
      await conn.end();
    }
  });

  it('carries 200 concurrent connections', async () => {
    const conns = await Promise.all(Array.from({ length: 200 }, () => connect()));
    try {
      const results = await Promise.all(conns.map((cn, i) => cn.query('select ? as n', [i])));
      expect(results.map((r) => (r[0] as { n: number }[])[0]!.n)).toEqual(conns.map((_, i) => i));
    } finally {
      await Promise.all(conns.map((cn) => cn.end().catch(() => undefined)));
    }
  });

  it('audits every statement: queries, prepared executions with parameters, USE', async () => {
    const marker = `m${Date.now()}`;
    const conn = await connect();
    try {
      await conn.query(`select '${marker}'`);
      await conn.execute('select ? + ?', [1, 2]);
      await conn.query('select 3');
      await conn.query('use other');
    } finally {
      await conn.end();
    }
    const admin = c.newHome();
    await c.postern(['admin', 'users', 'sign', 'admin', '--out', admin, '--config', c.configFile]);
    const search = async (args: string[]) => {
      const res = await c.postern(['audit', 'search', '--format', 'json', '--limit', '5000', ...args], { home: admin });
      expect(res.code, res.stderr).toBe(0);
      return JSON.parse(res.stdout) as { sid: string; event: string; db_query?: string; db_query_parameters?: string[]; schema_name?: string }[];
    };
    let sid: string | undefined;
    for (let i = 0; i < 30 && !sid; i++) {
      sid = (await search(['--event', 'db.session.query', '--query', marker])).find((e) => e.db_query === `select '${marker}'`)?.sid;
      if (!sid) await new Promise((r) => setTimeout(r, 300));
    }
    expect(sid).toBeDefined();
    const all = (await search(['--db', 'shop'])).filter((e) => e.sid === sid);
    const queries = all.filter((e) => e.event === 'db.session.query');
    expect(queries.map((e) => e.db_query).sort()).toEqual([`select '${marker}'`, 'select ? + ?', 'select 3', 'use other'].sort());
    expect(queries.find((e) => e.db_query === 'select ? + ?')?.db_query_parameters).toEqual(['1', '2']);
    expect(all.some((e) => e.event === 'db.session.start')).toBe(true);
  });

  it('refuses a client without a certificate, and a db user the certificate is not for', async () => {
    const refusals = 'postern_proxy_refused_connections_total{protocol="mysql",reason="denied"}';
    const before = sampleValue(await scrape(stack.metrics!.cluster), refusals);
    const noCert = await run('mariadb', [`-h127.0.0.1`, `-P${mysqlPort}`, '-ualice', '--ssl', '--skip-ssl-verify-server-cert', '-e', 'select 1'], { env: { ...process.env, HOME: '/nonexistent' } });
    expect(noCert.code).not.toBe(0);
    expect(noCert.stderr).toMatch(/ERROR 1045 \(28000\).*no client certificate/);
    const other = await mariadb(['-uroot', '-e', 'select 1']);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(/this certificate is for database "shop" as db user "alice", not "root"/);
    expect(sampleValue(await scrape(stack.metrics!.cluster), refusals) - before).toBe(2);
  });
});
