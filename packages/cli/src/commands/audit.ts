import { auditSearchResponse, auditVerifyStreamLine, type AuditVerifyProgress, type AuditVerifyResponse } from '@postern/api';
import type { Command } from 'commander';
import { CliError } from '../errors';
import { callApi, type ApiTarget } from '../http';
import { streamApi } from '../http-stream';
import { readApiLines } from '../ndjson';
import { json, table } from '../output';
import { apiTargetFor, requireProfile } from '../profile';
import { ProgressLine, progressMode } from '../progress-line';

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
  const audit = program.command('audit').description('search, export and verify the audit log (needs a role that allows it)');
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
  audit
    .command('verify')
    .description('check the audit chain: that no stored event was changed, removed or added behind Postern (needs verify on audit: admin)')
    .option('--format <format>', 'text or json', 'text')
    .option('--anchor <hash>', 'a head hash written down earlier: checks that the chain still contains it')
    .addHelpText(
      'after',
      `
Exits 0 when the chain is intact, 1 when it is broken (the message names the batch and
what mismatched) or the anchor is missing. Intact, it prints the head hash: keep it
outside Postern (a ticket, a log, paper); the most recent events can only be proven
against such an anchor, since whoever can rewrite the store could rebuild its end.
How far it got shows on stderr: redrawn in place on a terminal; otherwise, with
--format text, a line every 10 s. See docs/audit-chain.md.`,
    )
    .action(async (opts: { format: string; anchor?: string }) => {
      if (opts.format !== 'text' && opts.format !== 'json') throw new CliError('--format: text or json');
      if (opts.anchor !== undefined && !/^[0-9a-fA-F]{64}$/.test(opts.anchor)) {
        throw new CliError('--anchor: the 64-hex-digit head hash printed by an earlier `postern audit verify`');
      }
      const p = requireProfile();
      // Progress goes to stderr: redrawn on a terminal, else a line every 10 s for text (a
      // log file), none for json (a script reads stdout; its stderr stays as it was).
      const progress = new ProgressLine(process.stderr, { mode: progressMode(process.stderr, opts.format === 'json') });
      progress.start('Verifying the audit chain (a large log takes a while)…');
      let res: AuditVerifyResponse;
      try {
        res = await verifyWithProgress(apiTargetFor(p), opts.anchor?.toLowerCase(), (pr) => progress.update(verifyProgressText(pr)));
      } finally {
        progress.done();
      }
      if (opts.format === 'json') {
        console.log(json(res));
      } else {
        console.log(verifyText(res));
      }
      if (!res.intact) {
        throw new CliError(
          res.problem?.kind === 'anchor_missing'
            ? `the audit chain does not contain the anchor ${opts.anchor}`
            : `the audit chain is broken: ${res.problem?.message ?? 'no details'}`,
        );
      }
    });
  withFilters(audit.command('export').description('every matching event as JSON lines on stdout, oldest first')).action(async (opts: Filters) => {
    const p = requireProfile();
    // The server pages through the store and streams JSON lines (one event per line, as
    // JSON.stringify writes them); they are copied to stdout as they arrive.
    await streamApi(apiTargetFor(p), `/audit/export?${filterParams(opts)}`, process.stdout);
  });
}

/**
 * GET /audit/verify?progress=1: the server checks the whole log in one request and says how
 * far it got on the way (JSON lines); answers its result line. An error line, or an answer
 * that ends without a result, is an error: never a success that was not checked to the end.
 */
async function verifyWithProgress(target: ApiTarget, anchor: string | undefined, onProgress: (p: AuditVerifyProgress) => void): Promise<AuditVerifyResponse> {
  const query = new URLSearchParams({ progress: '1', ...(anchor ? { anchor } : {}) });
  let result: AuditVerifyResponse | undefined;
  await readApiLines(
    target,
    `/audit/verify?${query}`,
    (value) => {
      const line = auditVerifyStreamLine.safeParse(value);
      if (!line.success) throw new CliError(`unexpected answer from ${target.url}: ${line.error.issues[0]?.message ?? 'invalid'} (is it a Postern of this version?)`);
      if ('progress' in line.data) onProgress(line.data.progress);
      else if ('result' in line.data) result = line.data.result;
      else throw new CliError(`the audit chain could not be checked to the end: ${line.data.error.message}`);
    },
    // The server sends a line at least every 10 s while it works; this long a silence means it is stuck.
    { idleTimeoutMs: 5 * 60_000 },
  );
  if (!result) throw new CliError(`the answer from ${target.url} ended before the check did, without a result; run it again (the server log says why)`);
  return result;
}

const thousands = (v: number) => v.toLocaleString('en-US');

/** One progress line: the share is of events, which the time goes with (a batch holds 1 to 10,000 events). */
export function verifyProgressText(p: AuditVerifyProgress): string {
  // Batches written while the check runs are checked too: the counts may pass the totals read at the start.
  const totalBatches = Math.max(p.total_batches, p.batches);
  const totalEvents = Math.max(p.total_events, p.events);
  if (totalBatches === 0) return 'Verifying the audit chain…';
  const share = totalEvents > 0 ? p.events / totalEvents : p.batches / totalBatches;
  const percent = Math.min(100, Math.floor(share * 100));
  // The share first: a terminal narrower than the line cuts its end, the counts.
  return `Verifying the audit chain: ${percent} % (${thousands(p.events)} of ${thousands(totalEvents)} events in ${thousands(p.batches)} of ${thousands(totalBatches)} batches)…`;
}

const count = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : one.endsWith('h') ? 'es' : 's'}`;

/** The verification result for a person. */
export function verifyText(res: AuditVerifyResponse): string {
  const lines: string[] = [];
  const span = res.first_event_time ? `, from ${res.first_event_time} to ${res.last_event_time}` : '';
  if (res.intact) {
    lines.push(`The audit chain is intact: ${count(res.events, 'event')} in ${count(res.batches, 'batch')}${span}.`);
  } else {
    const p = res.problem!;
    lines.push(p.kind === 'anchor_missing' ? 'The audit chain does not contain the anchor.' : 'The audit chain is BROKEN.');
    lines.push(p.message);
    if (p.seq !== undefined) lines.push(`Batch:  ${p.seq} (event ids ${p.first_id}–${p.last_id}, ${p.events_stored} events written ${p.written_at})`);
    if (p.events_found !== undefined) lines.push(`Found:  ${count(p.events_found, 'event')}${p.first_time ? `, from ${p.first_time} to ${p.last_time}` : ''}`);
    if (p.event_id) lines.push(`Event:  id ${p.event_id}, uid ${p.event_uid}, time ${p.event_time}`);
    lines.push(`Checked before it: ${count(res.events, 'event')} in ${count(res.batches, 'batch')}${span}.`);
  }
  if (res.anchor) lines.push(res.anchor.found ? `Anchor: ${res.anchor.hash} is batch ${res.anchor.seq}: the log up to it is unchanged.` : `Anchor: ${res.anchor.hash} is not in the chain.`);
  if (res.head) {
    lines.push(`Head:   ${res.head.hash} (batch ${res.head.seq}, written ${res.head.written_at})`);
    if (res.intact) lines.push('Keep the head hash outside Postern; `postern audit verify --anchor HASH` later proves nothing up to it was rewritten.');
  }
  return lines.join('\n');
}
