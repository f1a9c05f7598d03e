import { startMariadb, type TestMariadb } from '@postern/testing';
import { onCleanup } from './cleanup';
import type { PgbenchResult } from './pgbench';
import { runTool } from './pgbench';
import { DB_NAME, DB_USER } from './postern';

/**
 * The MySQL section: mariadb-slap against one MariaDB, direct TLS and through Postern.
 * The MariaDB user logs in by certificate subject (REQUIRE SUBJECT), the way the agent
 * authenticates, with a certificate from the cluster's DB Client CA.
 */

const ROWS = 1000;
/** A point query on a small table: the MySQL counterpart of pgbench -S. */
export const MYSQL_QUERY = `select v from t where id = ${ROWS / 2}`;

export interface MysqlWorkload {
  id: string;
  concurrency: number;
  /** As the table shows it. */
  label: string;
}

export const MYSQL_WORKLOADS: MysqlWorkload[] = [
  { id: 'mysql-throughput', concurrency: 8, label: 'mariadb-slap -c 8' },
  { id: 'mysql-latency', concurrency: 1, label: 'mariadb-slap -c 1' },
];

export async function startBenchMariadb(tls: { serverCertPem: string; serverKeyPem: string; clientCaPem: string }): Promise<TestMariadb> {
  const db = await startMariadb({ tls });
  onCleanup('mariadb', () => db.stop());
  const values = Array.from({ length: ROWS }, (_, i) => `(${i + 1}, 'row ${i + 1}')`).join(', ');
  await db.query(
    `create database ${DB_NAME}; create table ${DB_NAME}.t (id int primary key, v varchar(20)); insert into ${DB_NAME}.t values ${values}; ` +
      `create user ${DB_USER}@'%' require subject '/CN=${DB_USER}'; grant all on ${DB_NAME}.* to ${DB_USER}@'%'`,
  );
  return db;
}

/**
 * A MySQL option group as command-line options. mariadb-slap refuses `database=` (it has
 * --create-schema instead), so the group cannot be handed to it with --defaults-group-suffix.
 */
export function slapConnectionArgs(group: Map<string, string | undefined>): string[] {
  const args: string[] = [];
  for (const [k, v] of group) args.push(k === 'database' ? `--create-schema=${v}` : v === undefined ? `--${k}` : `--${k}=${v}`);
  return args;
}

/** mariadb-slap runs a number of queries, not for a time: `total` queries over `concurrency` clients. */
async function slap(connection: string[], env: NodeJS.ProcessEnv, concurrency: number, total: number, timeoutMs: number): Promise<{ seconds: number; queries: number } | { error: string }> {
  const queries = Math.max(concurrency, Math.round(total / concurrency) * concurrency);
  const r = await runTool(
    'mariadb-slap',
    [...connection, '--no-drop', '--iterations=1', `--concurrency=${concurrency}`, `--number-of-queries=${queries}`, `--query=${MYSQL_QUERY}`],
    env,
    timeoutMs,
  );
  const m = /Average number of seconds to run all queries: ([\d.]+) seconds/.exec(r.stdout);
  if (r.code !== 0 || !m) return { error: `mariadb-slap exited with ${r.code}: ${r.stderr || r.stdout}` };
  return { seconds: Number(m[1]), queries };
}

/**
 * Warms up for about `warmupSeconds` (a short run to find the rate, then one sized to
 * fill the rest), then measures one run sized from the warm-up rate to last about `seconds`.
 */
export async function mysqlRun(
  connection: string[],
  env: NodeJS.ProcessEnv,
  w: MysqlWorkload,
  seconds: number,
  warmupSeconds: number,
  /** Called just before the measured run, to sample the processes' CPU time. */
  beforeMeasured: () => void = () => undefined,
): Promise<PgbenchResult | { error: string }> {
  const timeoutMs = (seconds + 120) * 1000;
  const probe = await slap(connection, env, w.concurrency, 200 * w.concurrency, timeoutMs);
  if ('error' in probe) return { error: `warm-up: ${probe.error}` };
  let rate = probe.queries / Math.max(probe.seconds, 0.001);
  const rest = warmupSeconds - probe.seconds;
  if (rest > 0.5) {
    const warm = await slap(connection, env, w.concurrency, rate * rest, timeoutMs);
    if ('error' in warm) return { error: `warm-up: ${warm.error}` };
    rate = warm.queries / Math.max(warm.seconds, 0.001);
  }
  beforeMeasured();
  const r = await slap(connection, env, w.concurrency, rate * seconds, timeoutMs);
  if ('error' in r) return r;
  return {
    tps: r.queries / r.seconds,
    // Each client runs its queries one after another: its time over its queries.
    latencyMs: (r.seconds * 1000 * w.concurrency) / r.queries,
    failed: 0,
    transactions: r.queries,
  };
}
