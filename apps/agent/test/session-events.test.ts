import { parseAuditEvent } from '@postern/audit';
import { describe, expect, it } from 'vitest';
import { MAX_AUDITED_QUERY, SessionEvents, type SessionFields } from '../src/session-events';

const fields: SessionFields = {
  user: 'alice',
  sid: 's1',
  db_service: 'demo',
  db_protocol: 'postgres',
  db_uri: '127.0.0.1:5432',
  db_name: 'app',
  db_user: 'alice',
  access_through: 'native',
  addr: '10.0.0.9',
};

describe('SessionEvents', () => {
  it('builds query events after the first that the schema would build the same way', () => {
    const events = new SessionEvents(fields, 'test');
    const start = events.build({ event: 'db.session.start', success: true });
    expect(start).toMatchObject({ event: 'db.session.start', addr: '10.0.0.9', ei: 0, code: 'TDB00I' });
    const drafts = [
      { event: 'db.session.query', db_query: 'select 1' },
      { event: 'db.session.query', db_query: 'select $1', db_query_parameters: ['42'] },
      { event: 'db.session.query', db_query: 'select x', success: false, error: 'boom' },
      { event: 'db.session.query', db_query: 'select 2' },
    ] as const;
    const built = drafts.map((d) => events.build(d));
    for (const e of built) expect(parseAuditEvent(e)).toEqual(e);
    expect(built.map((e) => e.ei)).toEqual([1, 2, 3, 4]);
    expect(built.map((e) => e.code)).toEqual(['TDB02I', 'TDB02I', 'TDB02W', 'TDB02I']);
    expect(built[1]).toMatchObject({ db_query_parameters: ['42'], user: 'alice', sid: 's1', db_name: 'app' });
    expect(built[0]).not.toHaveProperty('addr');
    expect(new Set(built.map((e) => e.uid)).size).toBe(4);
  });

  it('builds every session event of a later session without the schema, as the schema would', () => {
    const drafts = [
      { event: 'db.session.start', success: true },
      { event: 'db.session.start', success: false, error: 'refused' },
      { event: 'db.session.query', db_query: 'select 1' },
      { event: 'db.session.mysql.init_db', schema_name: 'app' },
      { event: 'db.session.end' },
    ] as const;
    const first = new SessionEvents({ ...fields, sid: 'first' }, 'test');
    const checked = drafts.map((d) => first.build(d));
    const later = new SessionEvents({ ...fields, sid: 'later', addr: '10.0.0.10' }, 'test');
    const direct = drafts.map((d) => later.build(d));
    for (const e of [...checked, ...direct]) expect(parseAuditEvent(e)).toEqual(e);
    const strip = (e: object) => {
      const { uid: _u, time: _t, sid: _s, addr: _a, ...rest } = e as Record<string, unknown>;
      return rest;
    };
    expect(direct.map(strip)).toEqual(checked.map(strip));
    expect(direct.map((e) => e.code)).toEqual(['TDB00I', 'TDB00W', 'TDB02I', 'TMY07I', 'TDB01I']);
    expect(direct[0]).toMatchObject({ sid: 'later', addr: '10.0.0.10' });
    // A draft with a field the event does not have goes through the schema, which drops it.
    expect(later.build({ event: 'db.session.end', extra: 1 } as never)).not.toHaveProperty('extra');
  });

  it('truncates long statements on both paths', () => {
    const events = new SessionEvents(fields, 'test');
    const long = 'x'.repeat(MAX_AUDITED_QUERY + 10);
    const first = events.build({ event: 'db.session.query', db_query: long }) as { db_query: string };
    const second = events.build({ event: 'db.session.query', db_query: long }) as { db_query: string };
    expect(first.db_query).toMatch(/truncated/);
    expect(second.db_query).toBe(first.db_query);
  });

  it('sends a malformed draft through the schema, which refuses it', () => {
    const events = new SessionEvents(fields, 'test');
    events.build({ event: 'db.session.query', db_query: 'select 1' });
    expect(() => events.build({ event: 'db.session.query', db_query: 'select 1', db_query_parameters: [1 as unknown as string] })).toThrow(/invalid audit event/);
  });

  it('refuses a session whose fixed fields are invalid at its first event', () => {
    const events = new SessionEvents({ ...fields, user: '' }, 'test');
    expect(() => events.build({ event: 'db.session.start', success: true })).toThrow(/invalid audit event/);
  });
});
