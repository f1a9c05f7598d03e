import { auditSearchSection, type AuditSearchResult } from './audit-search';
import type { Machine } from './machine';
import type { PgbenchResult } from './pgbench';
import { MYSQL_QUERY, MYSQL_WORKLOADS } from './mysql';
import { MYSQL_TARGETS, TARGETS, WORKLOADS, cpuKey, runsWorkload, type Metric, type TargetId } from './workloads';

export type Outcome = PgbenchResult | { error: string };
export type Results = Record<string, Partial<Record<TargetId, Outcome>>>;

export interface ProcessRow {
  name: string;
  /** RSS once set up, before the first measured run, KiB. */
  idleKiB: number | undefined;
  /** VmHWM at the end, KiB. */
  peakKiB: number | undefined;
  /** CPU µs per transaction in each workload (by id): the whole process, and its main thread. */
  cpuPerTx: Record<string, { total: number; main: number } | undefined>;
}

export interface Report {
  machine: Machine;
  seconds: number;
  warmupSeconds: number;
  results: Results;
  /** mariadb-slap runs by MYSQL_WORKLOADS id; PgBouncer has no part in them. */
  mysqlResults: Results;
  /** The MariaDB server's version string. */
  mariadb: string;
  processes: ProcessRow[];
  wallSeconds: number;
  /** 1-minute load averages at the start and the end: anything else running skews the numbers. */
  load: { start: number; end: number };
  notes: string[];
  /** bench/audit-search.ts, when it ran. */
  auditSearch?: AuditSearchResult | { error: string };
}

const isResult = (o: Outcome | undefined): o is PgbenchResult => o !== undefined && !('error' in o);

function num(v: number | undefined, unit: Metric['unit']): string {
  if (v === undefined || !Number.isFinite(v)) return 'n/a';
  if (unit === 'fraction') return v.toFixed(2);
  return unit === 'ms' ? v.toFixed(3) : Math.round(v).toLocaleString('en-US');
}

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return 'n/a';
  return `${(a / b).toFixed(2)}×`;
}

const mib = (kib: number | undefined) => (kib === undefined || !Number.isFinite(kib) ? 'n/a' : `${(kib / 1024).toFixed(0)} MiB`);

/** Every target but direct gets a ratio column. */
const RATIO_TARGETS = TARGETS.filter((t) => t.id !== 'direct');

function resultsTable(r: Report): string[] {
  const lines = [
    `| workload | ${TARGETS.map((t) => t.title).join(' | ')} | ${RATIO_TARGETS.map((t) => `${t.short}/direct`).join(' | ')} |`,
    `|---|${TARGETS.map(() => '--:').join('|')}|${RATIO_TARGETS.map(() => '--:').join('|')}|`,
  ];
  for (const w of WORKLOADS) {
    const byTarget = r.results[w.id] ?? {};
    const runs = (t: TargetId) => runsWorkload(TARGETS.find((x) => x.id === t)!, w.id);
    for (const m of w.metrics) {
      const v = (t: TargetId) => {
        const o = byTarget[t];
        return isResult(o) ? m.pick(o) : undefined;
      };
      const cell = (t: TargetId) => {
        if (!runs(t)) return '—';
        const o = byTarget[t];
        if (o === undefined) return 'not run';
        return isResult(o) ? num(m.pick(o), m.unit) : 'failed';
      };
      const ratios = RATIO_TARGETS.map((t) => (m.noRatio || !runs(t.id) ? '—' : ratio(v(t.id), v('direct'))));
      lines.push(`| \`${w.args.join(' ')}\` ${m.label} | ${TARGETS.map((t) => cell(t.id)).join(' | ')} | ${ratios.join(' | ')} |`);
    }
  }
  for (const w of MYSQL_WORKLOADS) {
    const byTarget = r.mysqlResults[w.id] ?? {};
    const metrics: Metric[] =
      w.concurrency === 1
        ? [
            { label: 'latency avg, ms', pick: (x) => x.latencyMs, unit: 'ms' },
            { label: 'queries/s', pick: (x) => x.tps, unit: 'count' },
          ]
        : [{ label: 'throughput, queries/s', pick: (x) => x.tps, unit: 'count' }];
    for (const m of metrics) {
      const o = (t: TargetId) => byTarget[t];
      const v = (t: TargetId) => {
        const x = o(t);
        return isResult(x) ? m.pick(x) : undefined;
      };
      const inMysql = (t: TargetId) => (MYSQL_TARGETS as readonly TargetId[]).includes(t);
      const cell = (t: TargetId) => {
        if (!inMysql(t)) return '—';
        const x = o(t);
        if (x === undefined) return 'not run';
        return isResult(x) ? num(m.pick(x), m.unit) : 'failed';
      };
      const ratios = RATIO_TARGETS.map((t) => (inMysql(t.id) ? ratio(v(t.id), v('direct')) : '—'));
      lines.push(`| MySQL \`${w.label}\` ${m.label} | ${TARGETS.map((t) => cell(t.id)).join(' | ')} | ${ratios.join(' | ')} |`);
    }
  }
  return lines;
}

function processTable(r: Report): string[] {
  // A target served by processes another target is measured on (Postern with reuse) gets
  // columns of its own next to the workload's.
  const columns = [
    ...WORKLOADS.flatMap((w) => [
      { id: w.id, title: `CPU µs/tx \`${w.args.join(' ')}\`` },
      ...TARGETS.filter((t) => t.cpuColumn && runsWorkload(t, w.id)).map((t) => ({ id: cpuKey(w.id, t.id), title: `CPU µs/tx \`${w.args.join(' ')}\`, ${t.cpuColumn}` })),
    ]),
    ...MYSQL_WORKLOADS.map((w) => ({ id: w.id, title: `CPU µs/query MySQL \`${w.label}\`` })),
  ];
  const lines = [
    `| process | RSS idle | peak RSS (VmHWM) | ${columns.map((c) => c.title).join(' | ')} |`,
    `|---|--:|--:|${columns.map(() => '--:').join('|')}|`,
  ];
  for (const p of r.processes) {
    const cpu = columns.map((w) => {
      const v = p.cpuPerTx[w.id];
      if (v === undefined || !Number.isFinite(v.total)) return 'n/a';
      return Number.isFinite(v.main) ? `${v.total.toFixed(0)} (main ${v.main.toFixed(0)})` : v.total.toFixed(0);
    });
    lines.push(`| ${p.name} | ${mib(p.idleKiB)} | ${mib(p.peakKiB)} | ${cpu.join(' | ')} |`);
  }
  return lines;
}

function failures(r: Report): string[] {
  const out: string[] = [];
  for (const w of WORKLOADS) {
    for (const t of TARGETS) {
      const o = r.results[w.id]?.[t.id];
      if (o && !isResult(o)) out.push(`- ${t.title}, \`${w.args.join(' ')}\`: ${o.error.trim().split('\n').slice(0, 5).join(' / ')}`);
      else if (isResult(o) && o.failed > 0) out.push(`- ${t.title}, \`${w.args.join(' ')}\`: ${o.failed} failed transactions`);
    }
  }
  for (const w of MYSQL_WORKLOADS) {
    for (const t of TARGETS) {
      const o = r.mysqlResults[w.id]?.[t.id];
      if (o && !isResult(o)) out.push(`- MySQL ${t.title}, \`${w.label}\`: ${o.error.trim().split('\n').slice(0, 5).join(' / ')}`);
    }
  }
  return out;
}

export function renderReport(r: Report): string {
  const m = r.machine;
  const failed = failures(r);
  return [
    `## Postern benchmark, ${m.date.slice(0, 10)}`,
    '',
    `pgbench -n, ${r.seconds} s per run after a ${r.warmupSeconds} s warm-up; one PostgreSQL for all targets; all on one machine over loopback.`,
    `MySQL rows: mariadb-slap \`${MYSQL_QUERY}\` (a point query on a 1,000-row table), about ${r.seconds} s per run after about ${r.warmupSeconds} s of warm-up, one MariaDB for all of them; PgBouncer does not speak MySQL.`,
    "Ratios are target/direct: below 1× is slower for tps and connections/s, above 1× is slower for latency. '—': the target does not take part in that row.",
    '',
    ...resultsTable(r),
    '',
    ...processTable(r),
    '',
    ...(failed.length > 0 ? ['Failures:', ...failed, ''] : []),
    ...(r.auditSearch ? ['error' in r.auditSearch ? `Audit search: failed: ${r.auditSearch.error}` : auditSearchSection(r.auditSearch).join('\n'), ''] : []),
    ...r.notes.map((n) => `- ${n}`),
    '',
    `Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.kernel}; node ${m.node}; ${m.postgres}; ${m.pgbench}; ${m.pgbouncer}; ${r.mariadb}; ${m.mariadbSlap}; commit ${m.commit}. The whole run took ${Math.round(r.wallSeconds)} s; 1-minute load average ${r.load.start.toFixed(2)} at the start, ${r.load.end.toFixed(2)} at the end.`,
    '',
  ].join('\n');
}
