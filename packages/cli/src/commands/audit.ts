import { auditSearchResponse } from '@postern/api';
import type { Command } from 'commander';
import { CliError } from '../errors';
import { callApi } from '../http';
import { streamApi } from '../http-stream';
import { json, table } from '../output';
import { apiTargetFor, requireProfile } from '../profile';

interface Filters {
  since?: string;
  until?: string;
  user?: string;
  db?: string;
  event?: string;
  query?: string;
  sid?: string;
}

/** --since/--until take ISO times or a duration back from now: 15m, 24h, 7d. */
export function parseTime(flag: string, value: string, now = Date.now()): string {
  const rel = /^(\d+)([smhd])$/.exec(value);
  if (rel) {
    const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[rel[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now - Number(rel[1]) * unit).toISOString();
  }
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) throw new CliError(`${flag}: "${value}" is neither an ISO time nor a duration such as 24h`);
  return t.toISOString();
}

function filterParams(f: Filters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  if (f.since) params.set('since', parseTime('--since', f.since));
  if (f.until) params.set('until', parseTime('--until', f.until));
  for (const k of ['user', 'db', 'event', 'query', 'sid'] as const) if (f[k]) params.set(k, f[k]!);
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  return params.toString();
}

function withFilters(cmd: Command): Command {
  return cmd
    .option('--since <time>', 'from this time (ISO 8601, or a duration back from now: 24h)')
    .option('--until <time>', 'up to this time')
    .option('--user <name>', 'events of this user')
    .option('--db <name>', 'events of this database')
    .option('--event <name>', 'events of this type, e.g. db.session.query')
    .option('--query <text>', 'text inside the SQL of queries (any case)')
    .option('--sid <id>', "one session's events, in the session's order");
}

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('search and export the audit log (needs a role that allows it)');
  withFilters(audit.command('search').description('search the audit log, newest first'))
    .option('--limit <n>', 'at most this many events', '50')
    .option('--format <format>', 'table or json', 'table')
    .action(async (opts: Filters & { limit: string; format: string }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 5000) throw new CliError('--limit: a whole number from 1 to 5000');
      const p = requireProfile();
      // A session reads first event first; everything else newest first.
      const extra = { limit: String(limit), ...(opts.sid ? { order: 'asc' } : {}) };
      const res = await callApi(apiTargetFor(p), 'GET', `/audit/events?${filterParams(opts, extra)}`, auditSearchResponse);
      if (opts.format === 'json') return console.log(json(res.events));
      const s = (v: unknown) => (v === undefined || v === null ? '' : String(v));
      console.log(
        table(
          ['Time', 'Event', 'Code', 'User', 'Database', 'Detail'],
          res.events.map((e) => [s(e.time), s(e.event), s(e.code), s(e.user), s(e.db_service), s(e.db_query ?? e.error ?? e.name ?? '')]),
        ),
      );
    });
  withFilters(audit.command('export').description('every matching event as JSON lines on stdout, oldest first')).action(async (opts: Filters) => {
    const p = requireProfile();
    // The server pages through the store and streams JSON lines (one event per line, as
    // JSON.stringify writes them); they are copied to stdout as they arrive.
    await streamApi(apiTargetFor(p), `/audit/export?${filterParams(opts)}`, process.stdout);
  });
}
