import type { PgbenchResult } from './pgbench';

export type TargetId = 'direct' | 'pgbouncer' | 'node-relay' | 'postern' | 'postern-reuse';

export interface TargetInfo {
  id: TargetId;
  title: string;
  /** In the ratio columns' headers: "<short>/direct". */
  short: string;
  /** The workloads (by id) it runs; unset: all. The others show '—'. */
  workloads?: string[];
  /**
   * It is served by processes another target's runs are measured on too, so its CPU
   * figures get process-table columns of their own, titled with this.
   */
  cpuColumn?: string;
}

export const TARGETS: TargetInfo[] = [
  { id: 'direct', title: 'direct TLS', short: 'direct' },
  { id: 'pgbouncer', title: 'PgBouncer', short: 'PgBouncer' },
  // A reference, not a product: one Node.js hop with TLS on both sides and nothing else
  // (bench/node-relay.mjs), the floor under each of Postern's two hops.
  { id: 'node-relay', title: 'bare Node relay', short: 'Node relay' },
  { id: 'postern', title: 'Postern', short: 'Postern' },
  // The same proxy and agent processes, through a database entry with reuse_connections on.
  // Only -C: the other workloads hold their connections for the whole run, so there is
  // nothing to reuse and they would repeat the Postern column at 3 + BENCH_SECONDS s each.
  { id: 'postern-reuse', title: 'Postern, connections reused', short: 'Postern reused', workloads: ['connect'], cpuColumn: 'connections reused' },
];

/** The targets in the MySQL rows: PgBouncer does not speak MySQL, and reuse is PostgreSQL only. */
export const MYSQL_TARGETS = ['direct', 'node-relay', 'postern'] as const satisfies readonly TargetId[];

export const runsWorkload = (t: TargetInfo, workloadId: string): boolean => !t.workloads || t.workloads.includes(workloadId);

/** The key of a process-table CPU column: the workload's, or its own for a target with `cpuColumn`. */
export const cpuKey = (workloadId: string, t: TargetId): string => (TARGETS.find((x) => x.id === t)?.cpuColumn ? `${workloadId}/${t}` : workloadId);

export interface Metric {
  label: string;
  pick(r: PgbenchResult): number | undefined;
  /** 'fraction': two decimals. */
  unit: 'count' | 'ms' | 'fraction';
  /** No ratio to direct: it explains the row above rather than scoring the target. */
  noRatio?: boolean;
}

export interface Workload {
  id: string;
  /** pgbench's options, -n and -T aside. */
  args: string[];
  metrics: Metric[];
  /** Count the PostgreSQL backends started during the measured run (pg_stat_database.sessions). */
  countBackends?: boolean;
}

const tps: Metric = { label: 'tps', pick: (r) => r.tps, unit: 'count' };

/**
 * Select-only (-S) throughout: the point is what sits between client and database, and
 * pgbench's write transactions would mostly measure PostgreSQL's row locks instead.
 */
export const WORKLOADS: Workload[] = [
  { id: 'throughput', args: ['-S', '-c', '8', '-j', '2'], metrics: [{ ...tps, label: 'throughput, tps' }] },
  {
    id: 'latency',
    args: ['-S', '-c', '1'],
    metrics: [
      { label: 'latency avg, ms', pick: (r) => r.latencyMs, unit: 'ms' },
      { ...tps, label: 'tps' },
    ],
  },
  // pgbench -C counts the connection set-up in each transaction, so tps = connections/s.
  {
    id: 'connect',
    args: ['-S', '-C', '-c', '4', '-j', '2'],
    metrics: [
      { ...tps, label: 'new connections/s' },
      // What sets the targets apart here: a pooling target skips PostgreSQL's backend start.
      {
        label: 'PostgreSQL backends started per connection',
        pick: (r) => (r.backendsStarted === undefined || r.transactions === 0 ? undefined : r.backendsStarted / r.transactions),
        unit: 'fraction',
        noRatio: true,
      },
    ],
    countBackends: true,
  },
];
