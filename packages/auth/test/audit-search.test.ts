import { randomUUID } from 'node:crypto';
import { auditSearchQuery, type AuditSearchQuery } from '@postern/api';
import { makeEvent, type AuditEvent } from '@postern/audit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../src/audit/cursor';
import { exportAuditEvents, getAuditEvent, searchAuditEvents } from '../src/audit/search-events';
import { auditBackends, type AuditStore } from './support/audit-store';

// Every filter of the audit search against the same filter done by hand over the events
// written, on PGlite and PostgreSQL. The events arrive out of time order (agents deliver
// late), several share a timestamp, and sessions arrive scrambled, so an order that only
// looks right by accident (by id, by time without a tie-breaker) fails here.

interface Written {
  event: AuditEvent;
  /** Position in the write order: the order of ids. */
  seq: number;
  ms: number;
}

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const USERS = ['alice', 'bob', 'carol'];
const DBS = ['orders', 'billing'];
const QUERIES = [
  'SELECT * FROM Orders WHERE customer_id = 42',
  'select id, total from invoices where paid = false',
  "UPDATE accounts SET note = '100%_done' WHERE id = 7",
  "update accounts set note = '100xxdone' where id = 8",
  'INSERT INTO Invoices_Archive (id) VALUES (1)',
  'delete from sessions where expires_at < now()',
];

function buildEvents(): AuditEvent[] {
  const events: AuditEvent[] = [];
  for (let s = 0; s < 12; s++) {
    const user = USERS[s % USERS.length]!;
    const db = DBS[s % DBS.length]!;
    const sid = randomUUID();
    // Sessions 2k and 2k+1 start together: their events share timestamps.
    const start = T0 + Math.floor(s / 2) * 3_600_000;
    const common = { user, sid, db_service: db, db_protocol: 'postgres' as const, db_uri: 'db.internal:5432', db_name: 'app', db_user: user };
    const n = 8 + s;
    events.push(makeEvent('db.session.start', { ...common, ei: 0, time: new Date(start) }, 'test'));
    for (let i = 1; i <= n; i++) {
      const db_query = `${QUERIES[(s + i) % QUERIES.length]} /* s${s} q${i} */`;
      events.push(makeEvent('db.session.query', { ...common, ei: i, db_query, time: new Date(start + i * 1500) }, 'test'));
    }
    events.push(makeEvent('db.session.end', { ...common, ei: n + 1, time: new Date(start + (n + 1) * 1500) }, 'test'));
    events.push(makeEvent('user.login', { user, method: 'local', time: new Date(start + 500) }, 'test'));
  }
  return events;
}

/** The write order: later sessions first, and within a batch odd events before even ones. */
function scramble(events: AuditEvent[]): AuditEvent[] {
  const chunks: AuditEvent[][] = [];
  for (let i = 0; i < events.length; i += 40) chunks.push(events.slice(i, i + 40));
  return chunks.reverse().flatMap((c) => [...c.filter((_, i) => i % 2 === 1), ...c.filter((_, i) => i % 2 === 0)]);
}

const uids = (events: Record<string, unknown>[]) => events.map((e) => e.uid as string);
const q = (input: Record<string, unknown>): AuditSearchQuery => auditSearchQuery.parse(input);

describe.each(auditBackends)('audit search on $name', (backend) => {
  let s: AuditStore;
  let written: Written[];

  beforeAll(async () => {
    s = await backend.open();
    const order = scramble(buildEvents());
    for (const e of order) s.audit.emit(e);
    await s.audit.flush();
    written = order.map((event, seq) => ({ event, seq, ms: Date.parse(event.time) }));
  });
  afterAll(() => s?.cleanup());

  const newestFirst = (a: Written, b: Written) => b.ms - a.ms || b.seq - a.seq;
  const expected = (keep: (e: AuditEvent) => boolean, sort = newestFirst) =>
    written
      .filter((w) => keep(w.event))
      .sort(sort)
      .map((w) => w.event.uid);
  const field = (e: AuditEvent, k: string) => (e as unknown as Record<string, unknown>)[k];

  /** Every page of a search, checking that each page is full but the last. */
  async function allPages(input: Record<string, unknown>): Promise<string[]> {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 1000; pages++) {
      const res = await searchAuditEvents(s.reader, q({ ...input, ...(cursor ? { cursor } : {}) }));
      seen.push(...uids(res.events));
      if (!res.next) return seen;
      expect(res.events).toHaveLength(Number(input.limit));
      cursor = res.next;
    }
    throw new Error('more than 1000 pages');
  }

  it('filters by user and time range, newest first, ties broken by arrival', async () => {
    const since = new Date(T0 + 3_600_000).toISOString();
    const until = new Date(T0 + 4 * 3_600_000).toISOString();
    const res = await searchAuditEvents(s.reader, q({ user: 'bob', since, until, limit: 500 }));
    const want = expected((e) => e.user === 'bob' && e.time >= since && e.time < until);
    expect(want.length).toBeGreaterThan(10);
    expect(uids(res.events)).toEqual(want);
    expect(res.next).toBeUndefined();
  });

  it('filters by database and by event within a time range', async () => {
    const since = new Date(T0).toISOString();
    const until = new Date(T0 + 3 * 3_600_000).toISOString();
    const byDb = await searchAuditEvents(s.reader, q({ db: 'billing', since, until, limit: 500 }));
    expect(uids(byDb.events)).toEqual(expected((e) => field(e, 'db_service') === 'billing' && e.time >= since && e.time < until));
    const byEvent = await searchAuditEvents(s.reader, q({ event: 'db.session.start', since, limit: 500 }));
    expect(uids(byEvent.events)).toEqual(expected((e) => e.event === 'db.session.start'));
    expect(byEvent.events).toHaveLength(12);
  });

  it('pages through everything without gaps or repeats, in both orders', async () => {
    const everything = expected(() => true);
    const desc = await allPages({ limit: 7 });
    expect(desc).toEqual(everything);
    const asc = await allPages({ limit: 11, order: 'asc' });
    expect(asc).toEqual([...everything].reverse());
    // Filters and pages together, with a page size that divides the result exactly.
    const alice = expected((e) => e.user === 'alice');
    const divisor = [5, 4, 3, 2].find((d) => alice.length % d === 0) ?? 1;
    expect(await allPages({ user: 'alice', limit: divisor })).toEqual(alice);
  });

  it('finds text inside queries: any case, anywhere, % and _ taken literally', async () => {
    const contains = (text: string) => expected((e) => typeof field(e, 'db_query') === 'string' && (field(e, 'db_query') as string).toLowerCase().includes(text.toLowerCase()));
    for (const text of ['orders where', 'INVOICES', 'invoices_archive', 's3 q', '/* s11 q5 */']) {
      const res = await searchAuditEvents(s.reader, q({ query: text, limit: 500 }));
      const want = contains(text);
      expect(want.length, text).toBeGreaterThan(0);
      expect(uids(res.events), text).toEqual(want);
    }
    // '100%_done' must not match '100xxdone' the way an unescaped LIKE pattern would.
    const literal = await searchAuditEvents(s.reader, q({ query: "'100%_done'", limit: 500 }));
    expect(literal.events.length).toBeGreaterThan(0);
    expect(literal.events.every((e) => String(e.db_query).includes('100%_done'))).toBe(true);
    expect(uids(literal.events)).toEqual(contains("'100%_done'"));
    // Text with a user and pages.
    expect(await allPages({ query: 'select', user: 'carol', limit: 3 })).toEqual(
      expected((e) => e.user === 'carol' && String(field(e, 'db_query') ?? '').toLowerCase().includes('select')),
    );
    expect((await searchAuditEvents(s.reader, q({ query: 'no such text anywhere' }))).events).toEqual([]);
  });

  it("lists one session in its own order (ei), with the session's timing", async () => {
    const session = written.find((w) => w.event.event === 'db.session.start' && w.event.user === 'carol')!.event;
    const sid = session.sid!;
    const inSession = written.filter((w) => w.event.sid === sid);
    const byEi = expected((e) => e.sid === sid, (a, b) => a.event.ei - b.event.ei || a.seq - b.seq);
    expect(await allPages({ sid, order: 'asc', limit: 4 })).toEqual(byEi);
    expect(await allPages({ sid, limit: 5 })).toEqual([...byEi].reverse());

    const res = await searchAuditEvents(s.reader, q({ sid, order: 'asc', limit: 2 }));
    const times = inSession.map((w) => w.ms);
    expect(res.session).toEqual({
      sid,
      start: new Date(Math.min(...times)).toISOString(),
      end: new Date(Math.max(...times)).toISOString(),
      duration_ms: Math.max(...times) - Math.min(...times),
      events: inSession.length,
    });
    // Within a session, other filters still apply.
    const queries = await searchAuditEvents(s.reader, q({ sid, event: 'db.session.query', order: 'asc', limit: 500 }));
    expect(queries.events.map((e) => e.ei)).toEqual(inSession.filter((w) => w.event.event === 'db.session.query').map((w) => w.event.ei).sort((a, b) => a - b));
    expect((await searchAuditEvents(s.reader, q({ sid: 'no-such-session' }))).session).toBeUndefined();
  });

  it('refuses a cursor that is not the next of the same kind of search', async () => {
    const page = await searchAuditEvents(s.reader, q({ limit: 2 }));
    const sid = written[0]!.event.sid ?? written.find((w) => w.event.sid)!.event.sid!;
    await expect(searchAuditEvents(s.reader, q({ sid, cursor: page.next }))).rejects.toMatchObject({ code: 'bad_request', message: expect.stringMatching(/cursor/) });
    await expect(searchAuditEvents(s.reader, q({ cursor: 'bm9wZQ' }))).rejects.toMatchObject({ code: 'bad_request' });
    expect(auditSearchQuery.safeParse({ cursor: '12 OR 1=1' }).success).toBe(false);
    // A well-formed cursor past the end is simply an empty page.
    const past = encodeCursor({ by: 'time', timeMs: T0 - 1, id: 0n });
    expect((await searchAuditEvents(s.reader, q({ cursor: past }))).events).toEqual([]);
  });

  it('finds one event by uid, and says clearly when there is none', async () => {
    const one = written[17]!.event;
    expect(await getAuditEvent(s.reader, one.uid)).toEqual(JSON.parse(JSON.stringify(one)));
    const unknown = randomUUID();
    await expect(getAuditEvent(s.reader, unknown)).rejects.toMatchObject({ code: 'not_found', status: 404, message: `no audit event ${unknown}` });
    await expect(getAuditEvent(s.reader, 'not-a-uuid')).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/UUID/) });
  });

  it('exports every matching event oldest first, a page at a time', async () => {
    const pages: number[] = [];
    const got: string[] = [];
    for await (const page of exportAuditEvents(s.reader, { user: 'alice' }, 10)) {
      pages.push(page.length);
      got.push(...uids(page));
    }
    const want = expected((e) => e.user === 'alice').reverse();
    expect(got).toEqual(want);
    expect(pages.every((n) => n <= 10)).toBe(true);
    expect(pages.length).toBe(Math.ceil(want.length / 10));
    // A session exports in its own order.
    const sid = written.find((w) => w.event.sid)!.event.sid!;
    const session: number[] = [];
    for await (const page of exportAuditEvents(s.reader, { sid }, 3)) session.push(...page.map((e) => e.ei as number));
    expect(session).toEqual([...session].sort((a, b) => a - b));
    expect(session).toHaveLength(written.filter((w) => w.event.sid === sid).length);
  });

  it('finds an event right after it was emitted (the search flushes the writer)', async () => {
    const e = makeEvent('user.login', { user: 'dave', method: 'local' }, 'test');
    s.audit.emit(e);
    const res = await searchAuditEvents(s.reader, q({ user: 'dave' }));
    expect(uids(res.events)).toEqual([e.uid]);
  });
});
