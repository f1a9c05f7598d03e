/**
 * `npm run bench`: pgbench against the same PostgreSQL four ways (direct TLS, PgBouncer,
 * a bare Node.js relay as the one-hop reference, Postern's proxy + agent; for -C, Postern
 * with reuse_connections as a fifth), and mariadb-slap against one MariaDB three ways
 * (direct TLS, the bare Node relay, Postern), in one run on this machine, side by side. It
 * measures and reports; it asserts nothing about speed. See bench/README.md.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, run, startPostgres } from '@postern/testing';
import { cleanup, cleanupOnSignals, onCleanup, stopping } from './cleanup';
import { auditBenchEvents, runAuditSearchBench } from './audit-search';
import { sessionsStarted } from './backends';
import { benchConsole, renderConsoleSection } from './console';
import { writeOwnedFile } from './files';
import { describeMachine } from './machine';
import { MYSQL_WORKLOADS, mysqlRun, slapConnectionArgs, startBenchMariadb } from './mysql';
import { startNodeRelay } from './node-relay';
import { parsePgbench, pgbench } from './pgbench';
import { startPgBouncer } from './pgbouncer';
import { DB_NAME, DB_USER, REUSE_DB_NAME, benchClientCert, benchStore, loginBenchUser, startPosternAgent, startPosternCluster } from './postern';
import { cpuPerTransaction, findPid, sample, sampleTree } from './procstat';
import { profiling, summariseProfile, toggleProfiler } from './profile';
import { renderReport, type ProcessRow, type Results } from './report';
import { MYSQL_TARGETS, TARGETS, WORKLOADS, cpuKey, runsWorkload, type TargetId } from './workloads';

const WARMUP_SECONDS = 3;
const SCALE = 10;
const RESULTS_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results', 'latest.md');

const log = (msg: string) => console.error(`bench: ${msg}`);

/**
 * BENCH_ONLY=throughput,connect,mysql-throughput,console: only those parts, for quicker
 * rounds while working on one of them. Unset: everything.
 */
function benchOnly(): (id: string) => boolean {
  const raw = process.env.BENCH_ONLY?.trim();
  if (!raw) return () => true;
  const ids = new Set(raw.split(',').map((x) => x.trim()));
  const known = [...WORKLOADS.map((w) => w.id), ...MYSQL_WORKLOADS.map((w) => w.id), 'console'];
  for (const id of ids) if (!known.includes(id)) throw new Error(`BENCH_ONLY: "${id}" is none of ${known.join(', ')}`);
  return (id) => ids.has(id);
}

function benchSeconds(): number {
  const raw = process.env.BENCH_SECONDS ?? '15';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_SECONDS must be a whole number of seconds ≥ 1, got "${raw}"`);
  return n;
}

interface Target {
  conninfo: string;
  env: NodeJS.ProcessEnv;
}

/** libpq's connection string for a client certificate from the DB Client CA. */
function certConninfo(port: number, rootCert: string, cert: string, key: string): string {
  return `host=127.0.0.1 port=${port} user=${DB_USER} dbname=${DB_NAME} sslmode=verify-full sslrootcert=${rootCert} sslcert=${cert} sslkey=${key}`;
}

/** The Postern processes the report watches: the proxy's (web + proxy) and the agent's. */
function watchedPids(clusterConfig: string, agentConfig: string): { proxy: number | undefined; agent: number | undefined } {
  return { proxy: findPid(clusterConfig), agent: findPid(agentConfig) };
}

/**
 * BENCH_HOLD=1: set everything up, print how to reach each target, and wait for Ctrl-C.
 * For A/B rounds by hand (pgbench, perf, /proc) against one set-up, without its start-up
 * time in every round.
 */
async function holdForHand(targets: Record<TargetId, Target>, pids: { proxy: number | undefined; agent: number | undefined }): Promise<never> {
  for (const t of TARGETS) {
    const env = Object.entries(targets[t.id].env).filter(([k, v]) => k.startsWith('PG') && v !== process.env[k]);
    log(`${t.title}: ${env.map(([k, v]) => `${k}=${v} `).join('')}pgbench -n -S -T 10 '${targets[t.id].conninfo}'`);
  }
  log(`Postern pids: proxy process ${pids.proxy ?? '?'}, agent process ${pids.agent ?? '?'}`);
  log('holding; Ctrl-C stops everything');
  return new Promise<never>(() => {});
}

async function main(): Promise<void> {
  cleanupOnSignals();
  const started = Date.now();
  const seconds = benchSeconds();
  const wanted = benchOnly();
  const machine = describeMachine();
  const store = benchStore();
  const loadAtStart = os.loadavg()[0]!;
  if (loadAtStart > machine.cpus / 2) log(`the machine is busy (load average ${loadAtStart.toFixed(2)} on ${machine.cpus} CPUs); the numbers will show it`);

  // Postern first: PostgreSQL needs its server certificate and its DB Client CA.
  log(`starting the Postern cluster (web + proxy; store: ${store === 'pglite' ? 'embedded PGlite' : 'a PostgreSQL of its own'})…`);
  const cluster = await startPosternCluster(await freePort(), store);
  const read = (file: string) => readFileSync(file, 'utf8');
  const dbCaPem = read(cluster.serverFiles.cas);

  log('starting PostgreSQL (TLS, certificate auth) with the certificate from `postern admin db sign`…');
  const pgServer = await startPostgres({
    tls: { serverCertPem: read(cluster.serverFiles.crt), serverKeyPem: read(cluster.serverFiles.key), clientCaPem: dbCaPem },
    certAuth: true,
  });
  onCleanup('postgres', () => pgServer.stop());
  await pgServer.query(`create role ${DB_USER} login`);
  await pgServer.query(`create database ${DB_NAME} owner ${DB_USER}`);

  log('starting MariaDB (TLS, REQUIRE SUBJECT user) with the same server certificate…');
  const mariadb = await startBenchMariadb({ serverCertPem: read(cluster.serverFiles.crt), serverKeyPem: read(cluster.serverFiles.key), clientCaPem: dbCaPem });

  // One client certificate for the direct and PgBouncer paths, from the agents' CA.
  const clientCert = await benchClientCert(cluster);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'postern-bench-'));
  onCleanup('bench folder', async () => rmSync(dir, { recursive: true, force: true }));
  const certFile = writeOwnedFile(dir, 'bench.crt', clientCert.certPem);
  const keyFile = writeOwnedFile(dir, 'bench.key', clientCert.keyPem, { key: true });
  const caFile = writeOwnedFile(dir, 'db-client-ca.crt', dbCaPem);
  const direct: Target = { conninfo: certConninfo(pgServer.port, caFile, certFile, keyFile), env: process.env };
  // The same certificate (CN=bench) is what MariaDB's REQUIRE SUBJECT '/CN=bench' asks for.
  const mysqlCertArgs = (port: number, rootCert: string) =>
    [`--host=127.0.0.1`, `--port=${port}`, '--protocol=TCP', `--user=${DB_USER}`, `--create-schema=${DB_NAME}`, `--ssl-ca=${rootCert}`, `--ssl-cert=${certFile}`, `--ssl-key=${keyFile}`, '--ssl-verify-server-cert'];
  const mysqlDirect = { args: mysqlCertArgs(mariadb.port, caFile), env: process.env };

  log(`pgbench -i -s ${SCALE} through the direct path…`);
  const init = await pgbench({ conninfo: direct.conninfo, args: ['-i', '-s', String(SCALE), '-q'], timeoutMs: 600_000 });
  if (init.code !== 0) throw new Error(`pgbench -i failed:\n${init.stderr}`);

  log('starting the Postern agent and logging a user in…');
  const agent = await startPosternAgent(cluster, pgServer.port, mariadb.port);
  const user = await loginBenchUser(cluster);
  const postern: Target = { conninfo: `service=${user.service}`, env: user.env };
  await waitUntilUsable(postern);
  // The same PostgreSQL through the agent's database entry with reuse_connections on.
  const posternReuse: Target = { conninfo: `service=${user.reuseService}`, env: user.env };
  await waitUntilUsable(posternReuse);
  // The option group `postern db login benchmysql` wrote, as mariadb-slap options.
  const mysqlPostern = { args: slapConnectionArgs(user.myCnfGroup), env: user.env };
  log(`MySQL through Postern: mariadb-slap ${mysqlPostern.args.join(' ')}`);

  log('starting PgBouncer…');
  const bouncer = await startPgBouncer({ port: await freePort(), pgPort: pgServer.port, dbName: DB_NAME, dbUser: DB_USER, dbCaPem, clientCert });
  const pgb: Target = { conninfo: certConninfo(bouncer.port, bouncer.listenerCaFile, certFile, keyFile), env: process.env };

  log('starting the bare Node relay (the one-hop reference)…');
  const relay = await startNodeRelay({ dir, pgPort: pgServer.port, mariadbPort: mariadb.port, dbCaPem, clientCert });
  const nodeRelay: Target = { conninfo: certConninfo(relay.pgPort, relay.listenerCaFile, certFile, keyFile), env: process.env };
  const mysqlNodeRelay = { args: mysqlCertArgs(relay.mysqlPort, relay.listenerCaFile), env: process.env };
  const targets: Record<TargetId, Target> = { direct, pgbouncer: pgb, 'node-relay': nodeRelay, postern, 'postern-reuse': posternReuse };

  if (process.env.BENCH_HOLD === '1') return holdForHand(targets, watchedPids(cluster.c.configFile, agent.configFile));

  // The processes whose memory and CPU we report, and the targets whose runs they serve.
  // A tree is a server with child processes (the store's PostgreSQL): CPU of all of them, not profiled.
  const watched: { name: string; pid: number | undefined; targets: TargetId[]; tree?: true }[] = [
    { name: 'PgBouncer', pid: bouncer.pid, targets: ['pgbouncer'] },
    { name: 'bare Node relay', pid: relay.pid, targets: ['node-relay'] },
    { name: 'Postern proxy process (web + proxy)', pid: findPid(cluster.c.configFile), targets: ['postern', 'postern-reuse'] },
    { name: 'Postern agent process', pid: findPid(agent.configFile), targets: ['postern', 'postern-reuse'] },
    ...(cluster.storePid ? [{ name: "Postern's store PostgreSQL (all its processes)", pid: cluster.storePid, targets: ['postern', 'postern-reuse'] as TargetId[], tree: true as const }] : []),
  ];
  const sampleOf = (w: (typeof watched)[number]) => (w.pid === undefined ? undefined : w.tree ? sampleTree(w.pid) : sample(w.pid));
  const posternProcesses = watched.filter((x) => x.targets.includes('postern') && !x.tree);
  const rows: ProcessRow[] = watched.map((w) => ({ name: w.name, idleKiB: sampleOf(w)?.rssKiB, peakKiB: undefined, cpuPerTx: {} }));

  const results: Results = {};
  const runs = (id: string) => TARGETS.filter((t) => runsWorkload(t, id));
  const total = WORKLOADS.filter((x) => wanted(x.id)).reduce((sum, w) => sum + runs(w.id).length, 0);
  let n = 0;
  let profilerOn = false;
  for (const w of WORKLOADS.filter((x) => wanted(x.id))) {
    results[w.id] = {};
    for (const t of runs(w.id)) {
      if (stopping()) throw new Error('interrupted');
      n++;
      const target = targets[t.id];
      const base = { conninfo: target.conninfo, env: target.env, timeoutMs: (seconds + 120) * 1000 };
      const warm = await pgbench({ ...base, args: ['-n', '-T', String(WARMUP_SECONDS), ...w.args] });
      if (warm.code !== 0) {
        results[w.id]![t.id] = { error: `warm-up: ${warm.stderr || warm.stdout}` };
        log(`[${n}/${total}] ${t.title}, ${w.args.join(' ')}: warm-up failed, skipped`);
        continue;
      }
      if (posternProcesses.some((x) => x.targets.includes(t.id)) && !profilerOn) {
        for (const p of posternProcesses) toggleProfiler(p.pid);
        profilerOn = true;
      }
      // Both Postern databases are the one PostgreSQL database DB_NAME: its count is theirs.
      const sessionsBefore = w.countBackends ? await sessionsStarted(pgServer.superuserUrl, DB_NAME) : undefined;
      const mine = watched.map((x) => (x.targets.includes(t.id) ? sampleOf(x) : undefined));
      const r = await pgbench({ ...base, args: ['-n', '-T', String(seconds), ...w.args] });
      if (r.code !== 0) {
        results[w.id]![t.id] = { error: r.stderr || r.stdout };
        log(`[${n}/${total}] ${t.title}, ${w.args.join(' ')}: failed (exit ${r.code})`);
        continue;
      }
      const parsed = parsePgbench(r.stdout);
      watched.forEach((x, i) => {
        const before = mine[i];
        const after = before ? sampleOf(x) : undefined;
        if (before && after && parsed.transactions > 0) rows[i]!.cpuPerTx[cpuKey(w.id, t.id)] = cpuPerTransaction(before, after, parsed.transactions);
      });
      const sessionsAfter = sessionsBefore === undefined ? undefined : await sessionsStarted(pgServer.superuserUrl, DB_NAME);
      if (sessionsBefore !== undefined && sessionsAfter !== undefined) parsed.backendsStarted = sessionsAfter - sessionsBefore;
      results[w.id]![t.id] = parsed;
      const lat = parsed.latencyMs === undefined ? '' : `, latency ${parsed.latencyMs} ms`;
      const backends = parsed.backendsStarted === undefined ? '' : `, ${parsed.backendsStarted} PostgreSQL backends started`;
      log(`[${n}/${total}] ${t.title}, ${w.args.join(' ')}: ${Math.round(parsed.tps)} tps${lat}${backends}`);
    }
  }

  const mysqlResults: Results = {};
  const mysqlTargets = { direct: mysqlDirect, 'node-relay': mysqlNodeRelay, postern: mysqlPostern } as const;
  const mysqlTotal = MYSQL_WORKLOADS.filter((x) => wanted(x.id)).length * MYSQL_TARGETS.length;
  let k = 0;
  for (const w of MYSQL_WORKLOADS.filter((x) => wanted(x.id))) {
    mysqlResults[w.id] = {};
    for (const id of MYSQL_TARGETS) {
      if (stopping()) throw new Error('interrupted');
      k++;
      const t = mysqlTargets[id];
      let mine: ReturnType<typeof sample>[] = [];
      const r = await mysqlRun(t.args, t.env, w, seconds, WARMUP_SECONDS, () => {
        mine = watched.map((x) => (x.targets.includes(id) ? sampleOf(x) : undefined));
      });
      mysqlResults[w.id]![id] = r;
      const title = TARGETS.find((x) => x.id === id)!.title;
      if ('error' in r) {
        log(`[MySQL ${k}/${mysqlTotal}] ${title}, ${w.label}: failed: ${r.error.trim().split('\n')[0]}`);
        continue;
      }
      watched.forEach((x, i) => {
        const before = mine[i];
        const after = before ? sampleOf(x) : undefined;
        if (before && after && r.transactions > 0) rows[i]!.cpuPerTx[cpuKey(w.id, id)] = cpuPerTransaction(before, after, r.transactions);
      });
      log(`[MySQL ${k}/${mysqlTotal}] ${title}, ${w.label}: ${Math.round(r.tps)} queries/s, latency ${r.latencyMs?.toFixed(3)} ms`);
    }
  }
  if (profilerOn) for (const p of posternProcesses) toggleProfiler(p.pid);
  watched.forEach((w, i) => (rows[i]!.peakKiB = sampleOf(w)?.peakKiB));
  // The browser console's section (bench/console.ts), after the peaks above were read.
  const consoleSection = !wanted('console') ? '' : renderConsoleSection(
    await benchConsole(
      { cluster: cluster.c, agentConfigFile: agent.configFile, proxyPort: cluster.proxyPort, directConninfo: direct.conninfo, dbService: DB_NAME, dbUser: DB_USER, dbName: DB_NAME, role: 'bench' },
      log,
    ),
  );

  // The audit search over a million events (bench/audit-search.ts); BENCH_AUDIT_EVENTS=0 skips it.
  const auditSearch =
    auditBenchEvents() > 0 && !process.env.BENCH_ONLY && !stopping() ? await runAuditSearchBench(log).catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) })) : undefined;

  const notes = [
    'Postern: psql-style client → proxy (TLS, client certificate from `postern db login`) → reverse tunnel → agent → PostgreSQL (TLS, DB Client CA certificate); every query is audited.',
    'PgBouncer: session mode, TLS and certificate auth towards the client, TLS with a client certificate towards PostgreSQL. With -C it hands each new client a pooled server connection, so it skips the PostgreSQL connection set-up that direct and Postern pay.',
    "bare Node relay: a reference, not a product (bench/node-relay.mjs): one Node.js process that ends the client's TLS (checking its certificate against the DB Client CA), opens TLS with a client certificate to the database for every connection, and copies bytes between the two; no routing, tunnel, audit or parsing after the TLS upgrade. Postern's proxy and agent are each at least such a hop.",
    `Postern, connections reused: the same proxy and agent processes, through a second agent database entry (\`${REUSE_DB_NAME}\`, the same PostgreSQL database) with \`reuse_connections: true\` (off by default). The agent keeps a cleanly left session's PostgreSQL connection, resets it with DISCARD ALL and hands it to the next session with the same db user, database and startup settings, as PgBouncer's session mode does; so, like PgBouncer, it skips the backend start and TLS handshake towards PostgreSQL that direct and Postern pay. The client side is as for Postern: TLS and the certificate check at the proxy on every connection. Run for -C only: the other workloads keep their connections for the whole run.`,
    'PostgreSQL backends started per connection: the change in pg_stat_database.sessions over the measured run, over its connections; about 1 for a target that makes PostgreSQL start a backend per connection, about 0 for one that pools.',
    'CPU µs/tx: user+system CPU of that process during its own measured run, over the transactions done; in brackets, its main thread (event loop) alone, the rest being its other threads. The Postern proxy process also runs the web app, which stores the audit events ' +
      (store === 'pglite'
        ? "in the embedded store's worker thread (PGlite; BENCH_STORE=postgres runs the production setup instead)."
        : 'in a PostgreSQL of its own (BENCH_STORE=postgres, store.url: the production setup), a separate server on the same machine with a row of its own (all its processes: postmaster and backends); fsync and synchronous_commit are off there, as in the tests.'),
    'MySQL: mariadb-slap (one connection per client, its connect time inside the timed run) → direct: MariaDB over TLS with the same DB Client CA certificate, user REQUIRE SUBJECT; Postern: the ~/.my.cnf group `postern db login` wrote → proxy MySQL port → reverse tunnel → the same agent process → MariaDB (TLS, DB Client CA certificate); every query is audited.',
    `All processes share ${machine.cpus} CPUs with pgbench and PostgreSQL, so CPU spent by a proxy is CPU PostgreSQL does not get.`,
  ];
  const reused = results.connect?.['postern-reuse'];
  if (reused && !('error' in reused) && reused.backendsStarted !== undefined && reused.backendsStarted > reused.transactions / 2) {
    notes.push('Postern, connections reused: PostgreSQL started a backend for most connections, so the agent did not reuse them; this build seems to accept reuse_connections without acting on it, and that column is plain Postern.');
  }
  if (profiling()) notes.push('BENCH_CPU_PROF was set: the Postern processes ran under the V8 profiler, so their numbers are lower than usual.');
  const report = renderReport({ machine, seconds, warmupSeconds: WARMUP_SECONDS, results, mysqlResults, mariadb: `MariaDB ${mariadb.version}`, processes: rows, wallSeconds: (Date.now() - started) / 1000, load: { start: loadAtStart, end: os.loadavg()[0]! }, notes, auditSearch });

  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, `${report}\n${consoleSection}`);
  console.log(`\n${report}\n${consoleSection}`);
  if (profiling()) {
    for (const p of posternProcesses.filter((x) => x.pid !== undefined)) {
      // The profile is written asynchronously after the second signal.
      await new Promise((r) => setTimeout(r, 1000));
      console.log([`CPU profile, ${p.name}:`, ...summariseProfile(p.pid!)].join('\n'));
    }
  }
  console.log(`Written to ${path.relative(process.cwd(), RESULTS_FILE)} (gitignored). Paste it into the pull request or issue these numbers are for.`);
}

/** The agent's tunnel comes up a moment after the agent says it is ready. */
async function waitUntilUsable(t: Target): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await run('psql', [t.conninfo, '-XAtc', 'select 1'], { env: t.env, timeoutMs: 15_000 });
    if (r.code === 0) return;
    if (Date.now() > deadline) throw new Error(`Postern path not usable after 30 s: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 300));
  }
}

try {
  await main();
} catch (err) {
  console.error(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
