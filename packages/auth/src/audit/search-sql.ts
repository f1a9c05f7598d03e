import type { AuditExportQuery } from '@postern/api';
import type { Cursor } from './cursor';

/**
 * The SQL of one page of an audit search. Prisma cannot say `("time", id) < ($1, $2)`
 * (a row comparison, which one index range answers) nor ILIKE on a generated column, so
 * this is SQL, with every value a parameter.
 *
 * Searches are ordered by (time, id): every filter index of 0002_audit_search ends in
 * (time, id), so the rows come out of the index in page order and a page costs about one
 * page of index entries, at event ten or ten million. A session (sid) is ordered by
 * (ei, id), the agent's own counter, from the (sid, ei, id) index.
 */
export interface PageSpec {
  filter: AuditExportQuery;
  order: 'asc' | 'desc';
  limit: number;
  after?: Cursor;
}

export interface PageRow {
  /** Not named id: ORDER BY id would then sort by this text rather than the column. */
  row_id: string;
  /** Epoch milliseconds as text (bigint does not fit every driver's number). */
  t_ms: string;
  ei: number;
  data: unknown;
}

/** `text` as an ILIKE pattern matching it anywhere, its own % _ \ taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function pageKey(filter: AuditExportQuery): Cursor['by'] {
  return filter.sid ? 'ei' : 'time';
}

const COLUMNS = `id::text as row_id, (extract(epoch from "time") * 1000)::bigint::text as t_ms, ei, data`;

/** Parameters in order, each cast to its type, so the SQL has one shape per set of filters. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }
}

/** The filters other than text, and the keyset condition: what an index range answers. */
function rangeConditions(spec: PageSpec, p: Params): string[] {
  const f = spec.filter;
  const where: string[] = [];
  if (f.since) where.push(`"time" >= ${p.add(f.since, 'timestamptz')}`);
  if (f.until) where.push(`"time" < ${p.add(f.until, 'timestamptz')}`);
  if (f.user) where.push(`"user" = ${p.add(f.user, 'text')}`);
  if (f.db) where.push(`db_service = ${p.add(f.db, 'text')}`);
  if (f.event) where.push(`event = ${p.add(f.event, 'text')}`);
  if (f.sid) where.push(`sid = ${p.add(f.sid, 'text')}`);
  const after = spec.after;
  if (after) {
    const first = after.by === 'ei' ? p.add(after.ei, 'int') : p.add(new Date(after.timeMs).toISOString(), 'timestamptz');
    where.push(`(${orderKey(spec).join(', ')}) ${spec.order === 'desc' ? '<' : '>'} (${first}, ${p.add(String(after.id), 'bigint')})`);
  }
  return where;
}

function orderKey(spec: PageSpec): string[] {
  return pageKey(spec.filter) === 'ei' ? ['ei', 'id'] : ['"time"', 'id'];
}

function orderBy(spec: PageSpec): string {
  return `order by ${orderKey(spec).map((k) => `${k} ${spec.order === 'desc' ? 'desc' : 'asc'}`).join(', ')}`;
}

const whereClause = (where: string[]) => (where.length > 0 ? ` where ${where.join(' and ')}` : '');

/** The page, every filter at once: the planner picks the index (trigrams for rare text). */
export function pageSql(spec: PageSpec): { sql: string; params: unknown[] } {
  const p = new Params();
  const where = rangeConditions(spec, p);
  if (spec.filter.query) where.push(`db_query ilike ${p.add(containsPattern(spec.filter.query), 'text')}`);
  const sql = `select ${COLUMNS} from audit_events${whereClause(where)} ${orderBy(spec)} limit ${p.add(spec.limit, 'int')}`;
  return { sql, params: p.values };
}

/**
 * The page of a text search if the text is common: the first `budget` events of the other
 * filters, read in page order from their index, then the text filter on those. When that
 * fills the page it is the right page (the events read are a prefix of the answer's order)
 * and it cost `budget` index entries at most, whatever the planner believes. The planner
 * cannot see how many events a fragment's trigrams let through before the recheck: for
 * `shipped` with a user and a day it chose to intersect the user's index with 160,000
 * trigram candidates (100–400 ms on PGlite at 1M events) rather than read the user's
 * 300 newest events (5 ms).
 */
export function commonTextSql(spec: PageSpec, budget: number): { sql: string; params: unknown[] } {
  if (!spec.filter.query) throw new Error('commonTextSql needs a text filter');
  const p = new Params();
  const where = rangeConditions(spec, p);
  const walk = `select * from audit_events${whereClause(where)} ${orderBy(spec)} limit ${p.add(budget, 'int')}`;
  const text = p.add(containsPattern(spec.filter.query), 'text');
  const sql = `select ${COLUMNS} from (${walk}) as walked where db_query ilike ${text} ${orderBy(spec)} limit ${p.add(spec.limit, 'int')}`;
  return { sql, params: p.values };
}
