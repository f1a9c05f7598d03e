import { createHash } from 'node:crypto';
import type { Store } from '@postern/store';

/**
 * Fills audit_events with `total` realistic events, fast: generated inside the database by
 * generate_series (no round trip per event), with the secondary indexes dropped during the
 * load and rebuilt from their own definitions afterwards, as pg_restore does.
 *
 * The events: sessions of 50 events (start, 48 queries, end) by 25 users on 12 databases,
 * over 30 days from 2026-01-01; queries from six statement shapes over 16 tables with
 * varied literals, and rarer ones: about 1 in 1,000 queries reads invoices_archive_<n>,
 * 1 in 10,000 pg_stat_activity.
 */

export const FILL_START = Date.parse('2026-01-01T00:00:00.000Z');
export const FILL_DAYS = 30;
export const FILL_USERS = 25;
export const FILL_DBS = 12;
export const SESSION_EVENTS = 50;

const TABLES = ['customers', 'orders', 'accounts', 'payments', 'invoices', 'products', 'shipments', 'users', 'audit_log', 'inventory', 'refunds', 'carts', 'coupons', 'reviews', 'suppliers', 'warehouses'];

// $1..$2: the rows' numbers; $3: the total (spreads time evenly over FILL_DAYS).
const GENERATE = `
with g as (
  select i, abs(hashint4(i)) as h, abs(hashint4(i / ${SESSION_EVENTS})) as hs, i % ${SESSION_EVENTS} as ei,
         timestamptz '${new Date(FILL_START).toISOString()}' + (i::float8 * ${FILL_DAYS} * 86400 / $3::int) * interval '1 second' as t
    from generate_series($1::int, $2::int) as i
), e as (
  select g.*,
         case when ei = 0 then 'db.session.start' when ei = ${SESSION_EVENTS - 1} then 'db.session.end' else 'db.session.query' end as ev,
         (array[${TABLES.map((t) => `'${t}'`).join(',')}])[1 + h % ${TABLES.length}] as tbl
    from g
), q as (
  select e.*, case
    when ev <> 'db.session.query' then null
    when h % 10000 = 7 then 'SELECT * FROM pg_stat_activity WHERE state = ''idle in transaction'''
    when h % 1000 = 3 then format('SELECT * FROM invoices_archive_%s WHERE paid = false', h % 97)
    when h % 6 = 0 then format('SELECT id, name, email FROM %s WHERE id = %s', tbl, h % 100000)
    when h % 6 = 1 then format('SELECT * FROM %s WHERE customer_id = %s AND status = ''shipped'' ORDER BY created_at DESC LIMIT 50', tbl, h % 5000)
    when h % 6 = 2 then format('UPDATE %s SET balance = balance - %s WHERE id = %s', tbl, h % 1000, h % 70000)
    when h % 6 = 3 then format('INSERT INTO %s (kind, payload) VALUES (''%s'', ''{"n": %s}'')', tbl, left(md5(h::text), 8), h % 999)
    when h % 6 = 4 then format('select count(*) from %s where created_at > now() - interval ''%s days''', tbl, h % 30)
    else format('DELETE FROM %s WHERE expires_at < now() - interval ''%s hours''', tbl, h % 48) end as query
    from e
)
insert into audit_events (uid, event, code, time, "user", sid, ei, db_service, data)
select u, ev, code, t, usr, sid, ei, dbs,
       jsonb_strip_nulls(jsonb_build_object(
         'event', ev, 'code', code, 'time', to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'uid', u, 'sid', sid, 'ei', ei, 'cluster_name', 'bench', 'user', usr, 'db_service', dbs,
         'db_protocol', 'postgres', 'db_uri', '10.0.0.' || (hs % ${FILL_DBS}) || ':5432', 'db_name', 'app',
         'db_user', usr, 'db_query', query, 'success', true))
  from (select q.*, gen_random_uuid() as u,
               case ev when 'db.session.start' then 'TDB00I' when 'db.session.end' then 'TDB01I' else 'TDB02I' end as code,
               'user' || (hs % ${FILL_USERS}) as usr, 'db' || (hs % ${FILL_DBS}) as dbs,
               md5('session ' || (i / ${SESSION_EVENTS}))::uuid::text as sid
          from q) as x
 order by i`;

/** The sid of the n-th generated session, as GENERATE makes it: md5('session n') as a UUID. */
export function sessionId(n: number): string {
  const hex = createHash('md5').update(`session ${n}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export async function fillAuditEvents(store: Store, total: number, onProgress: (done: number) => void): Promise<void> {
  const prisma = store.prisma;
  const indexes = await prisma.$queryRawUnsafe<{ name: string; def: string }[]>(
    `select indexname::text as name, indexdef::text as def from pg_indexes
      where schemaname = current_schema() and tablename = 'audit_events' and indexname <> 'audit_events_pkey'`,
  );
  for (const i of indexes) await prisma.$executeRawUnsafe(`drop index "${i.name}"`);
  const chunk = 50_000;
  for (let from = 0; from < total; from += chunk) {
    await prisma.$executeRawUnsafe(GENERATE, from, Math.min(total, from + chunk) - 1, total);
    // PGlite has no checkpointer (see packages/store/src/pglite/maintenance.ts); the store's
    // own timer would do this too, but a bulk load outruns a 10 s timer.
    if (store.kind === 'pglite') await prisma.$executeRawUnsafe('checkpoint');
    onProgress(Math.min(total, from + chunk));
  }
  for (const i of indexes) {
    await prisma.$executeRawUnsafe(i.def);
    if (store.kind === 'pglite') await prisma.$executeRawUnsafe('checkpoint');
  }
  // What autovacuum (PostgreSQL) or the store's maintenance (PGlite) does after such growth.
  await prisma.$executeRawUnsafe('analyze audit_events');
}
