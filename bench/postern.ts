import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createCsr, generateKeyPair } from '@postern/pki';
import { freePort, startPostgres } from '@postern/testing';
import { completeSignup } from '../packages/cli/test/helpers/api';
import { joinAgent, newJoinToken } from '../packages/cli/test/helpers/agent';
import { startCluster, startPosternProcess, type Cluster, type PosternProcess } from '../packages/cli/test/helpers/cluster';
import { onCleanup } from './cleanup';
import { withProfiler } from './profile';

/**
 * Postern set up the way postgres-path.test.ts does it, with the same helpers: a cluster
 * process (web + proxy), an agent process joined with a token, and a person who ran
 * `postern login` and `postern db login`, so pgbench connects through the
 * pg_service.conf section a real user would get.
 */

export const DB_NAME = 'bench';
export const DB_USER = 'bench';
/** The agent serves the bench's MariaDB under this name, next to the PostgreSQL one. */
export const MYSQL_DB_NAME = 'benchmysql';
/**
 * And the same PostgreSQL under this name with reuse_connections on (off by default): the
 * agent keeps a cleanly left session's server connection, resets it with DISCARD ALL and
 * hands it to the next session, as PgBouncer's session mode does. A name of its own, so
 * the Postern target keeps the default and both run through the same two processes.
 */
export const REUSE_DB_NAME = 'bench-reuse';
const PASSWORD = 'correct horse battery staple';

export interface PosternCluster {
  c: Cluster;
  proxyPort: number;
  /** The proxy's MySQL listener (proxy.mysql_listen). */
  mysqlPort: number;
  /** PEM files from `postern admin db sign`: server.crt, server.key, server.cas (DB Client CA). */
  serverFiles: { crt: string; key: string; cas: string };
  /** BENCH_STORE=postgres: the store PostgreSQL's postmaster. */
  storePid?: number;
}

async function ok(c: Cluster, args: string[], opts: { input?: string; home?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const r = await c.postern(args, opts);
  if (r.code !== 0) throw new Error(`postern ${args.join(' ')} exited with ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

export type BenchStore = 'pglite' | 'postgres';

/**
 * BENCH_STORE: where the Auth Service keeps its data, the audit events included. `pglite`
 * (the default) is the embedded store `postern start` uses without `store.url`, in a worker
 * thread of the proxy's process; `postgres` is `store.url` to a PostgreSQL of its own, as a
 * production cluster runs, started here on the same machine (so its CPU is shared too).
 */
export function benchStore(): BenchStore {
  const raw = process.env.BENCH_STORE?.trim() || 'pglite';
  if (raw !== 'pglite' && raw !== 'postgres') throw new Error(`BENCH_STORE: "${raw}" is neither pglite nor postgres`);
  return raw;
}

/** The config's store section for BENCH_STORE (nothing for PGlite), and the store server's postmaster pid. */
async function storeConfig(store: BenchStore): Promise<{ section: { store?: { url: string } }; pid?: number }> {
  if (store === 'pglite') return { section: {} };
  const pg = await startPostgres();
  onCleanup('store PostgreSQL', () => pg.stop());
  await pg.query('create database postern_store');
  const pid = Number(readFileSync(path.join(pg.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return { section: { store: { url: pg.superuserUrl.replace(/\/postgres$/, '/postern_store') } }, pid };
}

/** First, because PostgreSQL needs its server certificate and the DB Client CA from it. */
export async function startPosternCluster(proxyPort: number, store: BenchStore = 'pglite'): Promise<PosternCluster> {
  const mysqlPort = await freePort();
  const storeServer = await storeConfig(store);
  const c = await withProfiler(() =>
    startCluster({
      ...storeServer.section,
      auth: { second_factor: 'off' },
      proxy: { enabled: true, listen: `127.0.0.1:${proxyPort}`, mysql_listen: `127.0.0.1:${mysqlPort}`, public_addr: `localhost:${proxyPort}` },
    }),
  );
  onCleanup('postern cluster', () => c.stop());
  const out = path.join(c.root, 'server');
  await ok(c, ['admin', 'db', 'sign', '--host', '127.0.0.1,localhost', '--out', out, '--config', c.configFile]);
  return { c, proxyPort, mysqlPort, serverFiles: { crt: `${out}.crt`, key: `${out}.key`, cas: `${out}.cas` }, storePid: storeServer.pid };
}

/**
 * A certificate from the cluster's DB Client CA for the direct and PgBouncer paths, so
 * all three authenticate to PostgreSQL the same way. Only agents may ask for one, so a
 * "bench agent" identity joins for it (it never opens a tunnel, so it carries no traffic).
 */
export async function benchClientCert(p: PosternCluster): Promise<{ certPem: string; keyPem: string }> {
  const agent = await joinAgent(p.c, await newJoinToken(p.c), 'bench-agent');
  const key = await generateKeyPair();
  const res = await agent.call('POST', '/certs/db-client', { csr: createCsr(key, DB_USER), db_user: DB_USER, ttl: '12h' });
  if (res.status !== 200) throw new Error(`POST /certs/db-client: ${res.status} ${JSON.stringify(res.json)}`);
  return { certPem: res.json.certificate as string, keyPem: key.privateKeyPem };
}

export interface PosternAgent {
  proc: PosternProcess;
  configFile: string;
}

/** One agent process serves all the databases: the PostgreSQL (twice) and the MariaDB. */
export async function startPosternAgent(p: PosternCluster, pgPort: number, mysqlPort: number): Promise<PosternAgent> {
  const configFile = path.join(p.c.root, 'agent.yaml');
  const joinToken = await newJoinToken(p.c);
  const proc = await withProfiler(() => startPosternProcess(configFile, {
    cluster_name: 'test',
    data_dir: path.join(p.c.root, 'agent-data'),
    web: { enabled: false },
    proxy: { enabled: false },
    agent: {
      enabled: true,
      proxy_addr: `localhost:${p.proxyPort}`,
      join_token: joinToken,
      databases: [
        { name: DB_NAME, protocol: 'postgres', uri: `127.0.0.1:${pgPort}`, labels: { env: 'bench' } },
        { name: REUSE_DB_NAME, protocol: 'postgres', uri: `127.0.0.1:${pgPort}`, labels: { env: 'bench' }, reuse_connections: true },
        { name: MYSQL_DB_NAME, protocol: 'mysql', uri: `127.0.0.1:${mysqlPort}`, labels: { env: 'bench' } },
      ],
    },
  }));
  onCleanup('postern agent', () => proc.stop());
  return { proc, configFile };
}

export interface BenchUser {
  env: NodeJS.ProcessEnv;
  /** The pg_service.conf section for DB_NAME. */
  service: string;
  /** The one for REUSE_DB_NAME: the same PostgreSQL database, with connections reused. */
  reuseService: string;
  /** The ~/.my.cnf option group for the MariaDB. */
  myCnfGroup: Map<string, string | undefined>;
}

/**
 * Signs a person up and logs them in to all three databases; returns the env under which
 * `service=postern-bench` and `service=postern-bench-reuse` work and the ~/.my.cnf option
 * group `postern db login` wrote for the MariaDB.
 */
export async function loginBenchUser(p: PosternCluster): Promise<BenchUser> {
  const { c } = p;
  const role = path.join(c.root, 'bench-role.yaml');
  writeFileSync(role, "kind: role\nmetadata: { name: bench }\nspec:\n  allow:\n    db_labels: { env: bench }\n    db_names: ['*']\n    db_users: ['{{internal.db_users}}']\n");
  await ok(c, ['admin', 'roles', 'apply', '-f', role, '--config', c.configFile]);
  const added = await ok(c, ['admin', 'users', 'add', 'bencher', '--roles', 'bench', '--traits', `db_users=${DB_USER}`, '--config', c.configFile]);
  const link = /(https?:\/\/\S+\/signup\/\S+)/.exec(added)?.[1];
  if (!link) throw new Error(`no sign-up link in:\n${added}`);
  await completeSignup(c.url, link, PASSWORD);

  const home = c.newHome();
  const env = { ...process.env, POSTERN_HOME: home, PGSERVICEFILE: path.join(home, 'pg_service.conf'), HOME: home };
  const hostCa = path.join(c.dataDir, 'host-ca.pem');
  await ok(c, ['login', '--proxy', `localhost:${p.proxyPort}`, '--ca-file', hostCa, '--user', 'bencher', '--password-stdin'], { input: PASSWORD, home, env });
  const pgLogin = async (name: string): Promise<string> => {
    await ok(c, ['db', 'login', name, '--db-user', DB_USER, '--db-name', DB_NAME], { home, env });
    const service = `postern-${name}`;
    if (!readFileSync(env.PGSERVICEFILE, 'utf8').includes(`[${service}]`)) throw new Error(`postern db login wrote no [${service}] section`);
    return service;
  };
  const service = await pgLogin(DB_NAME);
  const reuseService = await pgLogin(REUSE_DB_NAME);
  await ok(c, ['db', 'login', MYSQL_DB_NAME, '--db-user', DB_USER, '--db-name', DB_NAME], { home, env });
  return { env, service, reuseService, myCnfGroup: readOptionGroup(path.join(home, '.my.cnf'), `client_postern-${MYSQL_DB_NAME}`) };
}

/** One [group] of a MySQL option file: `key=value` lines, and bare `key` flags as undefined. */
function readOptionGroup(file: string, group: string): Map<string, string | undefined> {
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.trim() === `[${group}]`);
  if (start < 0) throw new Error(`postern db login wrote no [${group}] group in ${file}`);
  const out = new Map<string, string | undefined>();
  for (const raw of lines.slice(start + 1)) {
    const line = raw.trim();
    if (line.startsWith('[')) break;
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const value = eq < 0 ? undefined : line.slice(eq + 1).trim();
    if (value?.startsWith('"')) throw new Error(`quoted option values are not handled here: ${line}`);
    out.set(eq < 0 ? line : line.slice(0, eq).trim(), value);
  }
  return out;
}
