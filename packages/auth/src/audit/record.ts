import { makeEvent, type AuditEvent, type AuditEventName, type AuditSink } from '@postern/audit';
import type { Store } from '@postern/store';
import type { AuthContext } from '../context';

/**
 * Writes a batch with one INSERT whose only parameter is the events as a JSON array:
 * PostgreSQL unpacks it natively, the statement has one shape whatever the batch size (so
 * nothing is re-planned per size), and a retried batch skips what it stored already (uid).
 */
const INSERT_EVENTS = `
  insert into audit_events (uid, event, code, time, "user", sid, ei, db_service, data)
  select (e->>'uid')::uuid, e->>'event', e->>'code', (e->>'time')::timestamptz, e->>'user', e->>'sid',
         coalesce((e->>'ei')::int, 0), e->>'db_service', e
    from jsonb_array_elements($1::jsonb) with ordinality as t(e, n)
   order by n
  on conflict (uid) do nothing`;

export function storeAuditSink(store: Store): AuditSink {
  return async (events: AuditEvent[]) => {
    await store.prisma.$executeRawUnsafe(INSERT_EVENTS, JSON.stringify(events));
  };
}

type Fields<N extends AuditEventName> = Parameters<typeof makeEvent<N>>[1];

export function emit<N extends AuditEventName>(ctx: AuthContext, name: N, fields: Fields<N>): void {
  ctx.audit.emit(makeEvent(name, fields, ctx.clusterName));
}
