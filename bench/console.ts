/**
 * The browser console's section of `npm run bench`: one large SELECT read to the end, as
 * psql reads it straight from PostgreSQL (FETCH_COUNT, a cursor, TLS) and as the console
 * page reads it (ticket, WebSocket through the proxy, the agent's pg-cursor, rows by credit),
 * with time to first row, rows per second and the proxy's and agent's memory while it runs.
 *
 * Also runs alone, with a cluster of its own: `npx tsx bench/console.ts` (BENCH_CONSOLE_ROWS).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, startPostgres, type TestPostgres } from '@postern/testing';
import { completeSignup } from '../packages/cli/test/helpers/api';
import { signIn } from '../packages/cli/test/helpers/console';
import type { Cluster } from '../packages/cli/test/helpers/cluster';
import { findPid, sample } from './procstat';

export const CONSOLE_TABLE = 'console_bench';
const PASSWORD = 'console bench correct horse';
const FETCH = 10_000;

export function consoleRows(): number {
  const n = Number(process.env.BENCH_CONSOLE_ROWS ?? '2000000');
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_CONSOLE_ROWS must be a whole number ≥ 1, got "${process.env.BENCH_CONSOLE_ROWS}"`);
  return n;
}

export interface PathResult {
  firstRowMs: number;
  seconds: number;
  rows: number;
  /** Peak RSS during the run, MiB, and before it. */
  proxy?: { baseMiB: number; peakMiB: number };
  agent?: { baseMiB: number; peakMiB: number };
}

export interface ConsoleBenchResult {
  rows: number;
  psql: PathResult | { error: string };
  console: PathResult | { error: string };
}

/** Samples VmRSS of some processes every 50 ms until stopped. */
function rssSampler(pids: Record<string, number | undefined>) {
  const base: Record<string, number> = {};
  const peak: Record<string, number> = {};
  for (const [k, pid] of Object.entries(pids)) {
    const s = pid ? sample(pid) : undefined;
    if (s) base[k] = peak[k] = s.rssKiB / 1024;
  }
  const timer = setInterval(() => {
    for (const [k, pid] of Object.entries(pids)) {
      const s = pid ? sample(pid) : undefined;
      if (s) peak[k] = Math.max(peak[k] ?? 0, s.rssKiB / 1024);
    }
  }, 50);
  return {
    stop(): Record<string, { baseMiB: number; peakMiB: number }> {
      clearInterval(timer);
      return Object.fromEntries(Object.keys(base).map((k) => [k, { baseMiB: base[k]!, peakMiB: peak[k]! }]));
    },
  };
}

/** psql straight to PostgreSQL, reading with a cursor (FETCH_COUNT) as the console does. */
function psqlRead(conninfo: string, env: NodeJS.ProcessEnv, sql: string): Promise<PathResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let first = 0;
    let lines = 0;
    let tail = '';
    const child = spawn('psql', [conninfo, '-X', '-At', '-v', `FETCH_COUNT=${FETCH}`, '-c', sql], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      if (first === 0) first = performance.now() - started;
      const text = tail + d.toString('latin1');
      const parts = text.split('\n');
      tail = parts.pop() ?? '';
      lines += parts.length;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`psql exited with ${code}: ${stderr.trim()}`));
      resolve({ firstRowMs: first, seconds: (performance.now() - started) / 1000, rows: lines + (tail ? 1 : 0) });
    });
  });
}

/** The console path, driven as the page drives it: a window of rows asked for as rows arrive. */
async function consoleRead(origin: string, ca: string, user: string, password: string, db: { db_service: string; db_user: string; db_name: string }, sql: string): Promise<PathResult> {
  const browser = await signIn(origin, ca, user, password);
  const con = await browser.open(db);
  try {
    const started = performance.now();
    const id = con.start(sql, FETCH);
    let rows = 0;
    let first = 0;
    for (;;) {
      const m = await con.next((x) => 'id' in x && x.id === id && (x.type === 'rows' || x.type === 'done' || x.type === 'error'), 120_000);
      if (m.type === 'error') throw new Error(m.message);
      if (m.type === 'done') break;
      if (m.type !== 'rows') continue;
      if (first === 0) first = performance.now() - started;
      rows += m.rows.length;
      con.send({ type: 'fetch', id, rows: m.rows.length });
    }
    return { firstRowMs: first, seconds: (performance.now() - started) / 1000, rows };
  } finally {
    con.close();
  }
}

export interface ConsoleBenchSetup {
  /** The cluster (web + proxy process) and the agent's config file, to find their pids. */
  cluster: Cluster;
  agentConfigFile: string;
  proxyPort: number;
  /** libpq connection string straight to PostgreSQL, and its env. */
  directConninfo: string;
  directEnv?: NodeJS.ProcessEnv;
  /** The database as the agent serves it, and a db user the bench role allows. */
  dbService: string;
  dbUser: string;
  dbName: string;
  /** A role (already applied) that allows that database and db user. */
  role: string;
}

/** Creates the table, a console user, and reads the table both ways. */
export async function benchConsole(s: ConsoleBenchSetup, log: (msg: string) => void = () => {}): Promise<ConsoleBenchResult> {
  const rows = consoleRows();
  const env = s.directEnv ?? process.env;
  log(`console: creating ${rows.toLocaleString('en')} rows in ${CONSOLE_TABLE}…`);
  const create = await run('psql', [s.directConninfo, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', `drop table if exists ${CONSOLE_TABLE}; create table ${CONSOLE_TABLE} as select g, md5(g::text) as h, now() as at from generate_series(1, ${rows}) g; analyze ${CONSOLE_TABLE}`], { env, timeoutMs: 600_000 });
  if (create.code !== 0) throw new Error(`creating ${CONSOLE_TABLE} failed: ${create.stderr}`);

  const c = s.cluster;
  const added = await c.postern(['admin', 'users', 'add', 'consolebench', '--roles', s.role, '--traits', `db_users=${s.dbUser}`, '--config', c.configFile]);
  if (added.code !== 0) throw new Error(`admin users add: ${added.stderr}`);
  await completeSignup(c.url, /(https?:\/\/\S+\/signup\/\S+)/.exec(added.stdout)![1]!, PASSWORD);

  const sql = `select g, h, at from ${CONSOLE_TABLE}`;
  const pids = { proxy: findPid(c.configFile), agent: findPid(s.agentConfigFile) };
  const out: ConsoleBenchResult = { rows, psql: { error: 'not run' }, console: { error: 'not run' } };

  log('console: psql straight to PostgreSQL…');
  try {
    await psqlRead(s.directConninfo, env, `${sql} limit 1000`);
    out.psql = await psqlRead(s.directConninfo, env, sql);
  } catch (err) {
    out.psql = { error: (err as Error).message };
  }
  log('console: the browser console path…');
  const origin = `https://localhost:${s.proxyPort}`;
  const ca = readFileSync(path.join(c.dataDir, 'host-ca.pem'), 'utf8');
  const db = { db_service: s.dbService, db_user: s.dbUser, db_name: s.dbName };
  try {
    await consoleRead(origin, ca, 'consolebench', PASSWORD, db, `${sql} limit 50000`);
    const sampler = rssSampler(pids);
    try {
      out.console = await consoleRead(origin, ca, 'consolebench', PASSWORD, db, sql);
    } finally {
      const mem = sampler.stop();
      if ('firstRowMs' in out.console) Object.assign(out.console, mem);
    }
  } catch (err) {
    out.console = { error: (err as Error).message };
  }
  return out;
}

const mib = (x: number) => `${Math.round(x)} MiB`;

export function renderConsoleSection(r: ConsoleBenchResult): string {
  const line = (name: string, p: PathResult | { error: string }) =>
    'error' in p
      ? `| ${name} | failed: ${p.error.split('\n')[0]} | | | |`
      : `| ${name} | ${Math.round(p.firstRowMs)} ms | ${Math.round(p.rows / p.seconds).toLocaleString('en')} | ${p.seconds.toFixed(2)} s | ${p.rows.toLocaleString('en')} |`;
  const mem = (name: string, m: { baseMiB: number; peakMiB: number } | undefined) => (m ? `| ${name} | ${mib(m.baseMiB)} | ${mib(m.peakMiB)} | +${mib(m.peakMiB - m.baseMiB)} |` : `| ${name} | n/a | n/a | n/a |`);
  const con = 'error' in r.console ? undefined : r.console;
  return [
    `## Browser console: one SELECT of ${r.rows.toLocaleString('en')} rows`,
    '',
    '| path | time to first row | rows/s | total | rows |',
    '| --- | --- | --- | --- | --- |',
    line(`psql → PostgreSQL (TLS, FETCH_COUNT=${FETCH})`, r.psql),
    line('console: WebSocket → proxy → tunnel → agent (pg-cursor) → PostgreSQL', r.console),
    '',
    '| process, while the console reads | RSS before | peak RSS | growth |',
    '| --- | --- | --- | --- |',
    mem('Postern proxy process (web + proxy)', con?.proxy),
    mem('Postern agent process', con?.agent),
    '',
    `The console client asks for rows as they arrive (a window of ${FETCH.toLocaleString('en')}), as the grid does while someone scrolls; every value travels as text in JSON. psql reads through a cursor ${FETCH.toLocaleString('en')} rows at a time and writes to a pipe.`,
    '',
  ].join('\n');
}

/** Alone: a cluster, PostgreSQL and an agent of its own, as `npm run bench` sets them up. */
async function main(): Promise<void> {
  const { cleanup, cleanupOnSignals, onCleanup } = await import('./cleanup');
  const { DB_NAME, DB_USER, startPosternAgent, startPosternCluster, benchClientCert } = await import('./postern');
  const { startBenchMariadb } = await import('./mysql');
  const { writeOwnedFile } = await import('./files');
  const { freePort } = await import('@postern/testing');
  cleanupOnSignals();
  try {
    const cluster = await startPosternCluster(await freePort());
    const read = (f: string) => readFileSync(f, 'utf8');
    const pg: TestPostgres = await startPostgres({
      tls: { serverCertPem: read(cluster.serverFiles.crt), serverKeyPem: read(cluster.serverFiles.key), clientCaPem: read(cluster.serverFiles.cas) },
      certAuth: true,
    });
    onCleanup('postgres', () => pg.stop());
    await pg.query(`create role ${DB_USER} login`);
    await pg.query(`create database ${DB_NAME} owner ${DB_USER}`);
    const maria = await startBenchMariadb({ serverCertPem: read(cluster.serverFiles.crt), serverKeyPem: read(cluster.serverFiles.key), clientCaPem: read(cluster.serverFiles.cas) });
    const agent = await startPosternAgent(cluster, pg.port, maria.port);
    const cert = await benchClientCert(cluster);
    const dir = path.join(cluster.c.root, 'console-bench');
    const certFile = writeOwnedFile(dir, 'bench.crt', cert.certPem);
    const keyFile = writeOwnedFile(dir, 'bench.key', cert.keyPem, { key: true });
    const caFile = writeOwnedFile(dir, 'ca.crt', read(cluster.serverFiles.cas));
    const role = path.join(cluster.c.root, 'bench-role.yaml');
    writeFileSync(role, "kind: role\nmetadata: { name: bench }\nspec:\n  allow:\n    db_labels: { env: bench }\n    db_names: ['*']\n    db_users: ['{{internal.db_users}}']\n");
    const applied = await cluster.c.postern(['admin', 'roles', 'apply', '-f', role, '--config', cluster.c.configFile]);
    if (applied.code !== 0) throw new Error(applied.stderr);
    const result = await benchConsole(
      {
        cluster: cluster.c,
        agentConfigFile: agent.configFile,
        proxyPort: cluster.proxyPort,
        directConninfo: `host=127.0.0.1 port=${pg.port} user=${DB_USER} dbname=${DB_NAME} sslmode=verify-full sslrootcert=${caFile} sslcert=${certFile} sslkey=${keyFile}`,
        dbService: DB_NAME,
        dbUser: DB_USER,
        dbName: DB_NAME,
        role: 'bench',
      },
      (m) => console.error(`bench: ${m}`),
    );
    console.log(renderConsoleSection(result));
  } finally {
    await cleanup();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main().catch((err: unknown) => {
    console.error(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  });
}
