import { makeEvent, type AuditEvent, type AuditEventName, type AuditSink } from '@postern/audit';
import type { Store } from '@postern/store';
import type { AuthContext } from '../context';

/** Writes a batch with one INSERT; duplicates (a retried batch) are skipped by uid. */
export function storeAuditSink(store: Store): AuditSink {
  return async (events: AuditEvent[]) => {
    await store.prisma.auditEvent.createMany({
      skipDuplicates: true,
      data: events.map((e) => {
        const f = e as AuditEvent & { user?: string; sid?: string; db_service?: string };
        return {
          uid: e.uid,
          event: e.event,
          code: e.code,
          time: new Date(e.time),
          user: f.user ?? null,
          sid: f.sid ?? null,
          ei: e.ei ?? 0,
          dbService: f.db_service ?? null,
          data: e as object,
        };
      }),
    });
  };
}

type Fields<N extends AuditEventName> = Parameters<typeof makeEvent<N>>[1];

export function emit<N extends AuditEventName>(ctx: AuthContext, name: N, fields: Fields<N>): void {
  ctx.audit.emit(makeEvent(name, fields, ctx.clusterName));
}
