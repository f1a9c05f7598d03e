/**
 * The audit search at scale: fills a store with BENCH_AUDIT_EVENTS events (default
 * 1,000,000) and times the searches people run, through the function behind
 * GET /api/v1/audit/events. A section of `npm run bench`, and on its own:
 *
 *   npx tsx bench/audit-search.ts
 *   BENCH_AUDIT_EVENTS=100000 BENCH_AUDIT_BACKENDS=pglite npx tsx bench/audit-search.ts
 *
 * It measures and reports; it asserts nothing about speed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuditSearchQuery } from '@postern/api';
import { AuditBatcher } from '@postern/audit';
import { openStore, type Store } from '@postern/store';
import { startPostgres } from '@postern/testing';
import { prng } from '@postern/testing/bytes';
import { searchAuditEvents, type AuditReader } from '../packages/auth/src/audit/search-events';
import { FILL_DAYS, FILL_DBS, FILL_START, FILL_USERS, SESSION_EVENTS, fillAuditEvents, sessionId } from './audit-fill';

type Backend = 'pglite' | 'postgres';

export interface CaseResult {
  label: string;
  p50: number;
  p95: number;
  max: number;
  /** Events per page, on average. */
  rows: number;
}

export interface AuditSearchResult {
  events: number;
  searches: number;
  backends: { name: Backend; fillSeconds: number; cases: CaseResult[] }[];
}

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number ≥ 0, got "${raw}"`);
  return n;
}

export function auditBenchEvents(): number {
  return envInt('BENCH_AUDIT_EVENTS', 1_000_000);
}

function backendsToRun(): Backend[] {
  const raw = (process.env.BENCH_AUDIT_BACKENDS ?? 'pglite,postgres').split(',').map((s) => s.trim()).filter(Boolean);
  for (const b of raw) if (b !== 'pglite' && b !== 'postgres') throw new Error(`BENCH_AUDIT_BACKENDS: "${b}" is neither pglite nor postgres`);
  return raw as Backend[];
}

interface Case {
  label: string;
  /** The search's filter. */
  make(rnd: () => number): Record<string, unknown>;
  /** Time the second page: the first is fetched untimed for its cursor. */
  nextPage?: boolean;
}

const pick = <T>(rnd: () => number, list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
const day = (rnd: () => number) => {
  const start = FILL_START + Math.floor(rnd() * (FILL_DAYS - 1)) * 86_400_000 + Math.floor(rnd() * 24) * 3_600_000;
  return { since: new Date(start).toISOString(), until: new Date(start + 86_400_000).toISOString() };
};
const user = (rnd: () => number) => `user${Math.floor(rnd() * FILL_USERS)}`;
const FEW = ['pg_stat_activity', 'IDLE IN TRANSACTION', 'invoices_archive_'] as const;
const MANY = ['shipped', 'select', 'ORDER BY created_at', 'balance - '] as const;

function cases(events: number): Case[] {
  const sessions = Math.max(1, Math.floor(events / SESSION_EVENTS));
  return [
    { label: 'user + 1-day range', make: (r) => ({ user: user(r), ...day(r) }) },
    { label: 'user + 1-day range, next page', make: (r) => ({ user: user(r), ...day(r) }), nextPage: true },
    { label: 'database + 1-day range', make: (r) => ({ db: `db${Math.floor(r() * FILL_DBS)}`, ...day(r) }) },
    { label: 'event (session starts) + 1-day range', make: (r) => ({ event: 'db.session.start', ...day(r) }) },
    {
      label: 'text, few matches (≤ 0.1 % of events)',
      make: (r) => {
        const text = pick(r, FEW);
        return { query: text === 'invoices_archive_' ? `${text}${Math.floor(r() * 97)} ` : text };
      },
    },
    { label: 'text, many matches (10–50 %)', make: (r) => ({ query: pick(r, MANY) }) },
    { label: 'text, many matches, next page', make: (r) => ({ query: pick(r, MANY) }), nextPage: true },
    { label: 'text, some matches (1–4 %)', make: (r) => ({ query: `customer_id = ${1 + Math.floor(r() * 9)}` }) },
    { label: 'text + user + 1-day range', make: (r) => ({ query: pick(r, MANY), user: user(r), ...day(r) }) },
    { label: 'session view (sid, by ei, with timing)', make: (r) => ({ sid: sessionId(Math.floor(r() * sessions)), order: 'asc' }) },
  ];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function timeCase(reader: AuditReader, c: Case, searches: number, seed: number): Promise<CaseResult> {
  // Seeded, so every run asks the same questions.
  const rnd = prng(seed);
  const times: number[] = [];
  let rows = 0;
  const WARM_UP = 3;
  for (let i = 0; i < searches + WARM_UP; i++) {
    let q = { limit: 100, order: 'desc', ...c.make(rnd) } as AuditSearchQuery;
    if (c.nextPage) {
      const first = await searchAuditEvents(reader, q);
      // A small fill (BENCH_AUDIT_EVENTS) may have one page only: nothing to time then.
      if (!first.next) continue;
      q = { ...q, cursor: first.next };
    }
    const t = performance.now();
    const page = await searchAuditEvents(reader, q);
    const ms = performance.now() - t;
    if (i < WARM_UP) continue;
    times.push(ms);
    rows += page.events.length;
  }
  times.sort((a, b) => a - b);
  return { label: c.label, p50: percentile(times, 50), p95: percentile(times, 95), max: times[times.length - 1] ?? NaN, rows: times.length > 0 ? rows / times.length : NaN };
}

async function openBackend(name: Backend, dir: string): Promise<{ store: Store; close(): Promise<void> }> {
  if (name === 'pglite') {
    const store = await openStore({ dataDir: path.join(dir, 'pglite') });
    return { store, close: () => store.close() };
  }
  const server = await startPostgres();
  try {
    await server.query('create database postern_audit');
    const store = await openStore({ url: server.superuserUrl.replace(/\/postgres$/, '/postern_audit'), dataDir: path.join(dir, 'postgres') });
    return {
      store,
      async close() {
        try {
          await store.close();
        } finally {
          await server.stop();
        }
      },
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

export async function runAuditSearchBench(log: (msg: string) => void): Promise<AuditSearchResult> {
  const events = auditBenchEvents();
  const searches = envInt('BENCH_AUDIT_SEARCHES', 50);
  if (events < 10 * SESSION_EVENTS) throw new Error('BENCH_AUDIT_EVENTS must be at least 500');
  if (searches < 1) throw new Error('BENCH_AUDIT_SEARCHES must be at least 1');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'postern-audit-bench-'));
  const result: AuditSearchResult = { events, searches, backends: [] };
  try {
    for (const name of backendsToRun()) {
      log(`audit search on ${name}: filling ${events.toLocaleString('en-US')} events…`);
      const opened = await openBackend(name, dir);
      try {
        const started = Date.now();
        let lastLog = 0;
        await fillAuditEvents(opened.store, events, (done) => {
          if (Date.now() - lastLog > 10_000 || done === events) {
            lastLog = Date.now();
            log(`audit search on ${name}: ${done.toLocaleString('en-US')} events written`);
          }
        });
        const fillSeconds = (Date.now() - started) / 1000;
        log(`audit search on ${name}: filled and indexed in ${fillSeconds.toFixed(0)} s; searching…`);
        // Nothing is pending in this writer: searches flush it, as the Auth Service's do.
        const reader: AuditReader = { store: opened.store, audit: new AuditBatcher(async () => {}) };
        const rows: CaseResult[] = [];
        for (const [i, c] of cases(events).entries()) {
          const r = await timeCase(reader, c, searches, 1000 + i);
          log(`audit search on ${name}: ${c.label}: p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, max ${r.max.toFixed(1)} ms`);
          rows.push(r);
        }
        result.backends.push({ name, fillSeconds, cases: rows });
      } finally {
        await opened.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

/** The markdown section for the report. */
export function auditSearchSection(r: AuditSearchResult): string[] {
  const names = r.backends.map((b) => (b.name === 'pglite' ? 'PGlite (embedded)' : 'PostgreSQL'));
  const lines = [
    `### Audit search, ${r.events.toLocaleString('en-US')} events`,
    '',
    `${r.searches} searches per row after 3 untimed ones, each a page of up to 100 events through searchAuditEvents (what GET /api/v1/audit/events runs), varied users, days and text; ms.`,
    '',
    `| search | ${names.map((n) => `${n} p50 | ${n} p95`).join(' | ')} | events per page |`,
    `|---|${names.map(() => '--:|--:').join('|')}|--:|`,
  ];
  const labels = r.backends[0]?.cases.map((c) => c.label) ?? [];
  for (const label of labels) {
    const cells = r.backends.map((b) => {
      const c = b.cases.find((x) => x.label === label);
      return c && Number.isFinite(c.p50) ? `${c.p50.toFixed(1)} | ${c.p95.toFixed(1)}` : 'n/a | n/a';
    });
    const rows = r.backends[0]?.cases.find((x) => x.label === label)?.rows ?? NaN;
    lines.push(`| ${label} | ${cells.join(' | ')} | ${Number.isFinite(rows) ? Math.round(rows) : 'n/a'} |`);
  }
  lines.push('', `Filled (bulk insert, indexes rebuilt, ANALYZE) in ${r.backends.map((b, i) => `${b.fillSeconds.toFixed(0)} s on ${names[i]}`).join(', ')}.`);
  return lines;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const log = (msg: string) => console.error(`bench: ${msg}`);
  try {
    const r = await runAuditSearchBench(log);
    console.log(`\n${auditSearchSection(r).join('\n')}\n`);
    console.log(`Machine: ${os.cpus().length} CPUs, 1-minute load average ${os.loadavg()[0]!.toFixed(2)} at the end.`);
  } catch (err) {
    log(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  }
}
