import { makeEvent, type AuditEvent, type AuditEventName, type AuditSink } from '@postern/audit';
import type { Store } from '@postern/store';
import type { AuthContext } from '../context';
import { AUDIT_CHAIN_LOCK_KEY, digestSql, GENESIS_PREV_HASH, linkHashSql } from './chain-sql';

/**
 * Writes a batch with one INSERT whose only parameter is the events as a JSON array:
 * PostgreSQL unpacks it natively, the statement has one shape whatever the batch size (so
 * nothing is re-planned per size), and a retried batch skips what it stored already (uid).
 *
 * The same statement appends the batch's link to the audit chain (migration
 * 0004_audit_chain): the rows it inserted, hashed as stored, chained to the latest link.
 * Nothing inserted (a retried batch already stored) adds no link. All in SQL, so the
 * events make one round trip whatever the batch size.
 */
const INSERT_EVENTS = `
  with ins as (
    insert into audit_events (uid, event, code, time, "user", sid, ei, db_service, data)
    select (e->>'uid')::uuid, e->>'event', e->>'code', (e->>'time')::timestamptz, e->>'user', e->>'sid',
           coalesce((e->>'ei')::int, 0), e->>'db_service', e
      from jsonb_array_elements($1::jsonb) with ordinality as t(e, n)
     order by n
    on conflict (uid) do nothing
    returning id, data
  ), batch as (
    select min(ins.id) as first_id, max(ins.id) as last_id, count(*)::int as events, ${digestSql('ins')} as digest
      from ins
  ), head as (
    select coalesce((select hash from audit_chain order by seq desc limit 1), '${GENESIS_PREV_HASH}') as prev_hash
  )
  insert into audit_chain (first_id, last_id, events, digest, prev_hash, hash)
  select batch.first_id, batch.last_id, batch.events, batch.digest, head.prev_hash,
         ${linkHashSql('head.prev_hash', 'batch.digest', 'batch.first_id', 'batch.last_id', 'batch.events')}
    from batch, head
   where batch.events > 0`;

export function storeAuditSink(store: Store): AuditSink {
  return async (events: AuditEvent[]) => {
    // One transaction: the lock (held until commit) keeps replicas on a shared PostgreSQL
    // from linking two batches to the same head or interleaving their ids.
    await store.prisma.$transaction([
      store.prisma.$executeRawUnsafe(`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK_KEY})`),
      store.prisma.$executeRawUnsafe(INSERT_EVENTS, JSON.stringify(events)),
    ]);
  };
}

type Fields<N extends AuditEventName> = Parameters<typeof makeEvent<N>>[1];

export function emit<N extends AuditEventName>(ctx: AuthContext, name: N, fields: Fields<N>): void {
  ctx.audit.emit(makeEvent(name, fields, ctx.clusterName));
}
