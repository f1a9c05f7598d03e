import type { AuditSessionSummary } from '@postern/api';
import type { Store } from '@postern/store';

// First and last event by the agent's counter (ei) come from the ends of the (sid, ei, id)
// index, so the timing costs two index probes however long the session; the count walks
// the session's index entries once.
const SUMMARY = `
  select (select (extract(epoch from "time") * 1000)::bigint::text from audit_events
           where sid = $1::text order by ei asc, id asc limit 1) as start_ms,
         (select (extract(epoch from "time") * 1000)::bigint::text from audit_events
           where sid = $1::text order by ei desc, id desc limit 1) as end_ms,
         (select count(*)::int from audit_events where sid = $1::text) as events`;

/** The timing of a whole session, for the session view; undefined when it has no events. */
export async function sessionSummary(store: Store, sid: string): Promise<AuditSessionSummary | undefined> {
  const rows = await store.prisma.$queryRawUnsafe<{ start_ms: string | null; end_ms: string | null; events: number }[]>(SUMMARY, sid);
  const row = rows[0];
  if (!row?.start_ms || !row.end_ms) return undefined;
  const start = Number(row.start_ms);
  const end = Number(row.end_ms);
  return {
    sid,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    duration_ms: Math.max(0, end - start),
    events: Number(row.events),
  };
}
