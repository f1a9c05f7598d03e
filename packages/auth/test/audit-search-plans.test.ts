import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCursor } from '../src/audit/cursor';
import { searchAuditEvents } from '../src/audit/search-events';
import { commonTextSql, pageSql, type PageSpec } from '../src/audit/search-sql';
import { auditBackends, type AuditStore } from './support/audit-store';

// The audit search stays fast at millions of events only if every search is an index
// range in page order. Timing is no test (machines differ), the plan is: with 50,000
// events, each search below must use its index and never read the whole table or sort it.

const ROWS = 50_000;

// 50,000 sessions' worth of queries in one statement; one in 5,000 mentions pg_stat_activity.
const FILL = `
  insert into audit_events (uid, event, code, time, "user", sid, ei, db_service, data)
  select gen_random_uuid(), 'db.session.query', 'TDB02I', t, u, sid, i % 50, db,
         jsonb_build_object('event', 'db.session.query', 'code', 'TDB02I', 'time', t, 'user', u, 'sid', sid,
                            'ei', i % 50, 'db_service', db, 'db_query', query)
    from (select i, timestamptz '2026-01-01T00:00:00Z' + i * interval '1 second' as t,
                 'user' || (i / 50 % 20) as u, 'sid-' || (i / 50) as sid, 'db' || (i / 50 % 7) as db,
                 case when i % 5000 = 17 then 'SELECT * FROM pg_stat_activity'
                      else format('select * from table_%s where id = %s', i % 300, i) end as query
            from generate_series(1, $1::int) as i) as g`;

describe.each(auditBackends)('audit search plans on $name', (backend) => {
  let s: AuditStore;

  beforeAll(async () => {
    s = await backend.open();
    await s.store.prisma.$executeRawUnsafe(FILL, ROWS);
  });
  afterAll(() => s?.cleanup());

  async function plan(spec: Omit<PageSpec, 'limit'>, build: (spec: PageSpec) => { sql: string; params: unknown[] } = pageSql): Promise<string> {
    const { sql, params } = build({ ...spec, limit: 101 });
    const rows = await s.store.prisma.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(`explain ${sql}`, ...params);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }
  const day = { since: '2026-01-01T03:00:00Z', until: '2026-01-02T03:00:00Z' };

  it('finds rare text through the trigram index, statistics or not', async () => {
    const rare = await plan({ filter: { query: 'PG_STAT_ACTIVITY' }, order: 'desc' });
    expect(rare).toContain('audit_events_db_query_idx');
    expect(rare).not.toMatch(/Seq Scan/);
    const res = await searchAuditEvents(s.reader, { query: 'pg_stat_act', limit: 100, order: 'desc' });
    expect(res.events).toHaveLength(ROWS / 5000);
  });

  describe('with statistics (ANALYZE: autovacuum on PostgreSQL, the store maintenance on PGlite)', () => {
    beforeAll(async () => {
      await s.store.prisma.$executeRawUnsafe('analyze audit_events');
    });

    it('still finds rare text through the trigram index', async () => {
      const rare = await plan({ filter: { query: 'pg_stat_activity', ...day }, order: 'desc' });
      expect(rare).toContain('audit_events_db_query_idx');
      expect(rare).not.toMatch(/Seq Scan/);
    });

    it('walks the time index for text that most events contain, and stops after a page', async () => {
      const common = await plan({ filter: { query: 'select * from' }, order: 'desc' });
      expect(common).toMatch(/Index Scan Backward using audit_events_time_id_idx/);
      expect(common).not.toMatch(/Seq Scan|Sort/);
    });

    // Where a filter matches a large share of events (a seventh for db5) the planner may as
    // well walk the time index and filter: also one ordered index range, also fine.
    it('tries common text on the first events of the other filters, in page order from their index', async () => {
      const walk = await plan({ filter: { query: 'select', user: 'user3', ...day }, order: 'desc' }, (spec) => commonTextSql(spec, 2000));
      expect(walk).toMatch(/Index Scan Backward using audit_events_user_time_id_idx/);
      expect(walk).not.toMatch(/Seq Scan|Sort|Bitmap/);
      const everything = await plan({ filter: { query: 'select' }, order: 'asc' }, (spec) => commonTextSql(spec, 2000));
      expect(everything).toMatch(/Index Scan using audit_events_time_id_idx/);
      expect(everything).not.toMatch(/Seq Scan|Sort|Bitmap/);
    });

    it.each([
      ['user', { user: 'user3', ...day }, 'audit_events_user_time_id_idx'],
      ['db', { db: 'db5', ...day }, 'audit_events_db_service_time_id_idx|audit_events_time_id_idx'],
      ['event', { event: 'db.session.query', ...day }, 'audit_events_event_time_id_idx|audit_events_time_id_idx'],
      ['time', day, 'audit_events_time_id_idx'],
    ])('serves %s + time range from one index in page order, first and next pages', async (_name, filter, index) => {
      const first = await plan({ filter, order: 'desc' });
      expect(first).toMatch(new RegExp(`Index Scan Backward using (${index}) `));
      expect(first).not.toMatch(/Seq Scan|Sort/);
      const page = await searchAuditEvents(s.reader, { ...filter, limit: 100, order: 'desc' });
      expect(page.next).toBeDefined();
      const after = decodeCursor(page.next!, 'time');
      const next = await plan({ filter, order: 'desc', after });
      expect(next).toMatch(new RegExp(`Index Scan Backward using (${index}) `));
      expect(next).not.toMatch(/Seq Scan|Sort/);
      // Oldest first from there: few rows are left before the range ends, so the planner may
      // collect them through the index and sort them; it must still not read the table.
      const oldestFirst = await plan({ filter, order: 'asc', after });
      expect(oldestFirst).toMatch(new RegExp(`Index Scan using (${index}) |Bitmap Index Scan on (${index})`));
      expect(oldestFirst).not.toMatch(/Seq Scan/);
    });

    it("reads a session from the (sid, ei, id) index in the session's order", async () => {
      const session = await plan({ filter: { sid: 'sid-77' }, order: 'asc' });
      expect(session).toMatch(/Index Scan using audit_events_sid_ei_id_idx/);
      expect(session).not.toMatch(/Seq Scan|Sort/);
      const res = await searchAuditEvents(s.reader, { sid: 'sid-77', limit: 20, order: 'asc' });
      expect(res.events.map((e) => e.ei)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(res.session).toMatchObject({ sid: 'sid-77', events: 50, duration_ms: 49_000 });
      const next = await plan({ filter: { sid: 'sid-77' }, order: 'asc', after: decodeCursor(res.next!, 'ei') });
      expect(next).toMatch(/Index Scan using audit_events_sid_ei_id_idx/);
      expect(next).not.toMatch(/Seq Scan|Sort/);
    });
  });
});
