import type { PgbenchResult } from './pgbench';

export type TargetId = 'direct' | 'pgbouncer' | 'postern';
export const TARGETS: { id: TargetId; title: string }[] = [
  { id: 'direct', title: 'direct TLS' },
  { id: 'pgbouncer', title: 'PgBouncer' },
  { id: 'postern', title: 'Postern' },
];

export interface Metric {
  label: string;
  pick(r: PgbenchResult): number | undefined;
  unit: 'count' | 'ms';
}

export interface Workload {
  id: string;
  /** pgbench's options, -n and -T aside. */
  args: string[];
  metrics: Metric[];
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
  { id: 'connect', args: ['-S', '-C', '-c', '4', '-j', '2'], metrics: [{ ...tps, label: 'new connections/s' }] },
];
