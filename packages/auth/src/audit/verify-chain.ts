import type { AuditChainProblem, AuditVerifyQuery, AuditVerifyResponse } from '@postern/api';
import type { Store } from '@postern/store';
import { digestSql, GENESIS_PREV_HASH, linkHashSql } from './chain-sql';
import type { AuditReader } from './search-events';

// Verification of the audit chain (migration 0004_audit_chain, docs/audit-chain.md): walks
// the chain in seq order, a chunk of links per query, the database recomputing each link's
// hash and each range's digest from the rows stored now; then looks for events that no
// link covers.

/** Links per query are capped by the events they cover, so a query stays short. */
const CHUNK_EVENTS = 50_000;
const CHUNK_LINKS = 1_000;
/** Below every id: the range before the first link starts here. */
const MIN_ID = '-9223372036854775808';

interface LinkRow {
  seq: string;
  first_id: string;
  last_id: string;
  events: number;
  digest: string;
  prev_hash: string;
  hash: string;
  written_ms: string;
  prev_last: string;
  hash_now: string;
  events_now: number;
  digest_now: string;
  t_min_ms: string | null;
  t_max_ms: string | null;
  outside_before: number;
}

interface OutsideRow {
  id: string;
  uid: string;
  t_ms: string;
}

/**
 * $1: the seq after which to start, $2: the last_id of the link before (MIN_ID at the start),
 * $3: the events a chunk may cover (at least one link whatever its size).
 */
const CHUNK_SQL = `
  with c as (
    select l.*, coalesce(lag(l.last_id) over (order by l.seq), $2::bigint) as prev_last
      from (
        select x.* from (
          select a.*, sum(a.events) over (order by a.seq) as run
            from (select * from audit_chain where seq > $1::bigint order by seq limit ${CHUNK_LINKS}) a
        ) x
         where x.run - x.events < $3::bigint
      ) l
  )
  select c.seq::text, c.first_id::text, c.last_id::text, c.events, c.digest, c.prev_hash, c.hash,
         (extract(epoch from c.created_at) * 1000)::bigint::text as written_ms,
         c.prev_last::text,
         ${linkHashSql('c.prev_hash', 'c.digest', 'c.first_id', 'c.last_id', 'c.events')} as hash_now,
         r.events_now, r.digest_now, r.t_min_ms, r.t_max_ms,
         (select count(*)::int from audit_events g where g.id > c.prev_last and g.id < c.first_id) as outside_before
    from c
   cross join lateral (
     select count(*)::int as events_now, ${digestSql('e')} as digest_now,
            (extract(epoch from min(e.time)) * 1000)::bigint::text as t_min_ms,
            (extract(epoch from max(e.time)) * 1000)::bigint::text as t_max_ms
       from audit_events e
      where e.id between c.first_id and c.last_id
   ) r
   order by c.seq`;

/** The first event in (after, before) that no link from seq $3 on covers. */
const OUTSIDE_SQL = `
  select e.id::text, e.uid::text, (extract(epoch from e.time) * 1000)::bigint::text as t_ms
    from audit_events e
   where e.id > $1::bigint and e.id < $2::bigint
     and not exists (select 1 from audit_chain c where c.seq > $3::bigint and e.id between c.first_id and c.last_id)
   order by e.id
   limit 1`;

const iso = (ms: string | null | undefined): string | undefined => (ms == null ? undefined : new Date(Number(ms)).toISOString());

export interface VerifyProgress {
  events: number;
  batches: number;
}

export interface VerifyOptions extends AuditVerifyQuery {
  /** Called after each chunk with the totals so far. */
  onProgress?: (p: VerifyProgress) => void;
  /** Events per query (tests make it small to cross chunk boundaries). */
  chunkEvents?: number;
  /** Stops between two chunks (with the signal's reason): nobody waits for the answer any more. */
  signal?: AbortSignal;
}

function describeBatch(l: LinkRow): string {
  const times = l.t_min_ms ? `, events from ${iso(l.t_min_ms)} to ${iso(l.t_max_ms)}` : '';
  return `batch ${l.seq} (event ids ${l.first_id}–${l.last_id}, ${l.events} events written ${iso(l.written_ms)}${times})`;
}

const RESTORE = 'Restore the audit log from a backup taken before that time, and find out who has write access to the store.';

function linkProblem(l: LinkRow, expectedPrev: string): AuditChainProblem | undefined {
  const base = {
    seq: Number(l.seq),
    first_id: l.first_id,
    last_id: l.last_id,
    events_stored: l.events,
    events_found: l.events_now,
    ...(l.t_min_ms ? { first_time: iso(l.t_min_ms), last_time: iso(l.t_max_ms) } : {}),
    written_at: iso(l.written_ms),
  };
  const what = describeBatch(l);
  if (l.prev_hash !== expectedPrev) {
    return {
      kind: 'link_broken',
      ...base,
      message: `the audit chain is broken before ${what}: it does not follow the batch before it (an entry of audit_chain was removed, inserted or replaced). ${RESTORE}`,
    };
  }
  if (l.hash_now !== l.hash) {
    return {
      kind: 'link_changed',
      ...base,
      message: `the audit chain entry of ${what} was altered: its hash does not match its contents. ${RESTORE}`,
    };
  }
  if (l.outside_before > 0 || BigInt(l.first_id) <= BigInt(l.prev_last) || BigInt(l.first_id) > BigInt(l.last_id)) {
    // Located precisely by the caller (which event); this only flags it.
    return undefined;
  }
  if (l.events_now < l.events) {
    return {
      kind: 'event_deleted',
      ...base,
      message: `${l.events - l.events_now} event(s) of ${what} were deleted: ${l.events_now} remain. ${RESTORE}`,
    };
  }
  if (l.events_now > l.events) {
    return {
      kind: 'event_added',
      ...base,
      message: `${l.events_now - l.events} event(s) were added to ${what} outside the chain: ${l.events_now} are there now. ${RESTORE}`,
    };
  }
  if (l.digest_now !== l.digest) {
    return {
      kind: 'event_changed',
      ...base,
      message: `an event of ${what} was changed: the events stored there no longer hash to the batch's digest. ${RESTORE}`,
    };
  }
  return undefined;
}

async function outsideEvent(store: Store, after: string, before: string, fromSeq: string): Promise<OutsideRow | undefined> {
  const rows = await store.prisma.$queryRawUnsafe<OutsideRow[]>(OUTSIDE_SQL, after, before, fromSeq);
  return rows[0];
}

function outsideProblem(ev: OutsideRow, next: LinkRow | undefined, prevSeq: string | undefined): AuditChainProblem {
  const where = next
    ? `before ${describeBatch(next)}`
    : prevSeq
      ? `after the last batch (${prevSeq})`
      : 'while the chain has no batch at all';
  return {
    kind: 'event_added',
    ...(next ? { seq: Number(next.seq), first_id: next.first_id, last_id: next.last_id, events_stored: next.events, written_at: iso(next.written_ms) } : {}),
    event_id: ev.id,
    event_uid: ev.uid,
    event_time: iso(ev.t_ms),
    message: `an event was added outside the audit chain ${where}: id ${ev.id}, uid ${ev.uid}, time ${iso(ev.t_ms)}. No batch of the chain covers it, so it was never written by Postern's audit writer. ${RESTORE}`,
  };
}

/**
 * Verifies the audit chain: every link follows the one before and hashes to itself, every
 * batch's events are those written (count and digest), and no event lies outside the
 * batches. Answers the first problem in chain order, or, intact, what was checked and the
 * head hash to keep elsewhere as an anchor.
 */
export async function verifyAuditChain(ctx: AuditReader, opts: VerifyOptions = {}): Promise<AuditVerifyResponse> {
  const { store } = ctx;
  // Events still in the batcher are not stored yet, so not chained yet: store them first.
  await ctx.audit.flush();
  let afterSeq = '0';
  let prevLast = MIN_ID;
  let prevHash = GENESIS_PREV_HASH;
  let events = 0;
  let batches = 0;
  let firstMs: number | undefined;
  let lastMs: number | undefined;
  let head: LinkRow | undefined;
  let anchorSeq: number | undefined;

  const summary = (problem?: AuditChainProblem): AuditVerifyResponse => ({
    intact: !problem,
    events,
    batches,
    ...(firstMs !== undefined ? { first_event_time: new Date(firstMs).toISOString() } : {}),
    ...(lastMs !== undefined ? { last_event_time: new Date(lastMs).toISOString() } : {}),
    ...(head ? { head: { seq: Number(head.seq), hash: head.hash, last_id: head.last_id, written_at: iso(head.written_ms)! } } : {}),
    ...(opts.anchor ? { anchor: { hash: opts.anchor, found: anchorSeq !== undefined, ...(anchorSeq !== undefined ? { seq: anchorSeq } : {}) } } : {}),
    ...(problem ? { problem } : {}),
  });

  for (;;) {
    const links = await store.prisma.$queryRawUnsafe<LinkRow[]>(CHUNK_SQL, afterSeq, prevLast, opts.chunkEvents ?? CHUNK_EVENTS);
    for (const l of links) {
      const problem = linkProblem(l, prevHash);
      if (problem) return summary(problem);
      if (l.outside_before > 0 || BigInt(l.first_id) <= BigInt(l.prev_last) || BigInt(l.first_id) > BigInt(l.last_id)) {
        // An event between this batch and the one before; or ranges out of order, which a
        // consistent chain only has if its writer was bypassed.
        const ev = await outsideEvent(store, l.prev_last, l.first_id, l.seq);
        if (ev) return summary(outsideProblem(ev, l, head?.seq));
        return summary({
          kind: 'link_broken',
          seq: Number(l.seq),
          first_id: l.first_id,
          last_id: l.last_id,
          message: `the id range of ${describeBatch(l)} overlaps the batch before it: the chain was not written by Postern's audit writer. ${RESTORE}`,
        });
      }
      events += l.events;
      batches += 1;
      if (l.t_min_ms) firstMs = Math.min(firstMs ?? Infinity, Number(l.t_min_ms));
      if (l.t_max_ms) lastMs = Math.max(lastMs ?? -Infinity, Number(l.t_max_ms));
      if (opts.anchor && l.hash === opts.anchor) anchorSeq = Number(l.seq);
      head = l;
      prevHash = l.hash;
      prevLast = l.last_id;
      afterSeq = l.seq;
    }
    opts.onProgress?.({ events, batches });
    if (links.length === 0) break;
    opts.signal?.throwIfAborted();
  }

  // Events after the last link checked: each must belong to a link written since.
  const late = await outsideEvent(store, prevLast, '9223372036854775807', afterSeq);
  if (late) return summary(outsideProblem(late, undefined, head?.seq));

  if (opts.anchor && anchorSeq === undefined) {
    return summary({
      kind: 'anchor_missing',
      message: `the audit chain is consistent but does not contain the anchor ${opts.anchor}: either the anchor is from another cluster, or the chain was rewritten from some point on (recomputed after tampering). Compare with the anchors written down before it.`,
    });
  }
  return summary();
}
