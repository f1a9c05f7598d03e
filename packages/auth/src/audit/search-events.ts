import type { AuditSearchQuery, AuditSearchResponse } from '@postern/api';
import type { Prisma } from '@postern/store';
import type { AuthContext } from '../context';
import { AuthError } from '../errors';

/**
 * Keyset pagination on the id: a page costs the same at event ten and at event ten million.
 * Filters use the (column, time) indexes of audit_events; text inside queries is a
 * substring match on the JSON for now (full-text indexing comes with the audit page).
 */
export async function searchAuditEvents(ctx: AuthContext, q: AuditSearchQuery): Promise<AuditSearchResponse> {
  const where: Prisma.AuditEventWhereInput = {};
  if (q.since || q.until) where.time = { ...(q.since ? { gte: new Date(q.since) } : {}), ...(q.until ? { lt: new Date(q.until) } : {}) };
  if (q.user) where.user = q.user;
  if (q.db) where.dbService = q.db;
  if (q.event) where.event = q.event;
  if (q.sid) where.sid = q.sid;
  if (q.query) where.data = { path: ['db_query'], string_contains: q.query };
  if (q.cursor) where.id = q.order === 'desc' ? { lt: BigInt(q.cursor) } : { gt: BigInt(q.cursor) };
  // Flush first so that a search right after an action finds it.
  await ctx.audit.flush();
  const rows = await ctx.store.prisma.auditEvent.findMany({ where, orderBy: { id: q.order }, take: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    events: page.map((r) => r.data as Record<string, unknown>),
    ...(rows.length > q.limit && last ? { next: String(last.id) } : {}),
  };
}

/** One event by its uid, for the detail view; 404 when there is none. */
export async function getAuditEvent(ctx: AuthContext, uid: string): Promise<Record<string, unknown>> {
  if (!UUID.test(uid)) throw new AuthError('not_found', `no audit event ${uid.slice(0, 64)}: an event id is a UUID`);
  await ctx.audit.flush();
  const row = await ctx.store.prisma.auditEvent.findUnique({ where: { uid } });
  if (!row) throw new AuthError('not_found', `no audit event ${uid}`);
  return row.data as Record<string, unknown>;
}

/**
 * Every event matching the filter, page by page, oldest first: an export of millions of
 * events never holds more than one page in memory.
 */
export async function* exportAuditEvents(ctx: AuthContext, q: Omit<AuditSearchQuery, 'cursor' | 'order' | 'limit'>): AsyncGenerator<Record<string, unknown>> {
  let cursor: string | undefined;
  do {
    const page = await searchAuditEvents(ctx, { ...q, order: 'asc', limit: EXPORT_PAGE, ...(cursor ? { cursor } : {}) });
    yield* page.events;
    cursor = page.next;
  } while (cursor);
}

const EXPORT_PAGE = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
