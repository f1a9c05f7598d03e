import type { AuditExportQuery, AuditSearchQuery, AuditSearchResponse } from '@postern/api';
import type { Store } from '@postern/store';
import type { AuthContext } from '../context';
import { AuthError } from '../errors';
import { decodeCursor, encodeCursor, type Cursor } from './cursor';
import { commonTextSql, pageKey, pageSql, type PageRow, type PageSpec } from './search-sql';
import { sessionSummary } from './session-summary';

/** What reading the audit log needs: the store, and the batcher to flush before reading. */
export type AuditReader = Pick<AuthContext, 'store' | 'audit'>;

interface Page {
  events: Record<string, unknown>[];
  next?: Cursor;
}

/** Events a text search reads in page order before it asks the trigram index instead. */
const walkBudget = (limit: number) => Math.max(2_000, 10 * limit);

async function query(store: Store, { sql, params }: { sql: string; params: unknown[] }): Promise<PageRow[]> {
  return store.prisma.$queryRawUnsafe<PageRow[]>(sql, ...params);
}

/** One page in the order of pageSql, and where the next one starts if there is one. */
async function readPage(store: Store, spec: PageSpec): Promise<Page> {
  const plus = { ...spec, limit: spec.limit + 1 };
  // Text most events contain fills a page from a short walk; rarer text needs the index.
  let rows = spec.filter.query ? await query(store, commonTextSql(plus, walkBudget(plus.limit))) : [];
  if (rows.length < plus.limit) rows = await query(store, pageSql(plus));
  const page = rows.slice(0, spec.limit);
  const last = page[page.length - 1];
  let next: Cursor | undefined;
  if (rows.length > spec.limit && last) {
    next = pageKey(spec.filter) === 'ei' ? { by: 'ei', ei: last.ei, id: BigInt(last.row_id) } : { by: 'time', timeMs: Number(last.t_ms), id: BigInt(last.row_id) };
  }
  // jsonb arrives parsed from both driver adapters; a string would be a driver that does not.
  const events = page.map((r) => (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as Record<string, unknown>);
  return next ? { events, next } : { events };
}

function filterOf(q: AuditExportQuery): AuditExportQuery {
  const { since, until, user, db, event, query, sid } = q;
  return { since, until, user, db, event, query, sid };
}

/**
 * A page of the audit log, newest first by default; `next` continues it. With a sid, the
 * session in its own order (ei) and the session's timing.
 */
export async function searchAuditEvents(ctx: AuditReader, q: AuditSearchQuery): Promise<AuditSearchResponse> {
  const filter = filterOf(q);
  const after = q.cursor ? decodeCursor(q.cursor, pageKey(filter)) : undefined;
  // Flush first so that a search right after an action finds it.
  await ctx.audit.flush();
  const page = await readPage(ctx.store, { filter, order: q.order, limit: q.limit, ...(after ? { after } : {}) });
  const session = q.sid ? await sessionSummary(ctx.store, q.sid) : undefined;
  return {
    events: page.events,
    ...(page.next ? { next: encodeCursor(page.next) } : {}),
    ...(session ? { session } : {}),
  };
}

/** One event by its uid, for the detail view; 404 when there is none. */
export async function getAuditEvent(ctx: AuditReader, uid: string): Promise<Record<string, unknown>> {
  if (!UUID.test(uid)) throw new AuthError('not_found', `no audit event ${uid.slice(0, 64)}: an event id is a UUID`);
  await ctx.audit.flush();
  const row = await ctx.store.prisma.auditEvent.findUnique({ where: { uid }, select: { data: true } });
  if (!row) throw new AuthError('not_found', `no audit event ${uid}`);
  return row.data as Record<string, unknown>;
}

/**
 * Every event matching the filter, oldest first (a session in its own order), one page per
 * iteration: an export of millions of events holds one page in memory, and a consumer that
 * stops reading stops the queries.
 */
export async function* exportAuditEvents(ctx: AuditReader, q: AuditExportQuery, pageSize = EXPORT_PAGE): AsyncGenerator<Record<string, unknown>[]> {
  const filter = filterOf(q);
  await ctx.audit.flush();
  let after: Cursor | undefined;
  do {
    const page = await readPage(ctx.store, { filter, order: 'asc', limit: pageSize, ...(after ? { after } : {}) });
    if (page.events.length > 0) yield page.events;
    after = page.next;
  } while (after);
}

const EXPORT_PAGE = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
