import { describe, expect, it } from 'vitest';
import { AuditError, makeEvent, parseAuditEvent } from '../src/index';
import { db } from './fixtures';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('makeEvent', () => {
  it('fills uid, time, code, ei and cluster_name', () => {
    const before = Date.now();
    const event = makeEvent('db.session.query', { user: 'alice', sid: 's1', ...db, db_query: 'SELECT 1' }, 'local');
    expect(event.event).toBe('db.session.query');
    expect(event.code).toBe('TDB02I');
    expect(event.uid).toMatch(UUID);
    expect(event.cluster_name).toBe('local');
    expect(event.ei).toBe(0);
    expect(event.success).toBe(true);
    expect(event.db_query_parameters).toEqual([]);
    const t = Date.parse(event.time);
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Date.now());
    expect(event.time).toBe(new Date(t).toISOString());
  });

  it('gives each event its own uid', () => {
    const make = () => makeEvent('role.created', { user: 'admin', name: 'dev' }, 'local');
    expect(make().uid).not.toBe(make().uid);
  });

  it('uses the given time and ei', () => {
    const time = new Date('2026-11-21T10:00:00.000Z');
    const event = makeEvent('db.session.end', { user: 'alice', sid: 's1', ...db, ei: 7, time }, 'c1');
    expect(event.time).toBe('2026-11-21T10:00:00.000Z');
    expect(event.ei).toBe(7);
    expect(event.code).toBe('TDB01I');
  });

  it.each([
    ['db.session.start', { user: 'alice', sid: 's1', ...db, error: 'access denied' }, 'TDB00W'],
    ['db.session.query', { user: 'alice', sid: 's1', ...db, db_query: 'SELEC 1', error: 'syntax error' }, 'TDB02W'],
    ['instance.join', { role: 'agent', error: 'token expired or not found' }, 'TJ002E'],
    ['user.login', { user: 'alice', method: 'local', error: 'bad password' }, 'T1000W'],
    ['user.login', { user: 'alice', method: 'oidc', connector: 'okta', error: 'state mismatch' }, 'T1001W'],
  ] as const)('%s with success=false gets %s', (name, fields, code) => {
    const event = makeEvent(name, { ...fields, success: false }, 'local');
    expect(event.code).toBe(code);
    expect(event.success).toBe(false);
  });

  it('uses the SSO code for a successful SSO login', () => {
    expect(makeEvent('user.login', { user: 'alice', method: 'saml' }, 'local').code).toBe('T1001I');
    expect(makeEvent('user.login', { user: 'alice', method: 'local' }, 'local').code).toBe('T1000I');
  });

  it('leaves success out of events that cannot fail unless given', () => {
    const event = makeEvent('user.delete', { user: 'admin', name: 'bob' }, 'local');
    expect('success' in event).toBe(false);
  });

  it('refuses a failure for an event without a failure form', () => {
    expect(() => makeEvent('user.create', { name: 'bob', roles: ['access'], success: false }, 'local')).toThrow(
      expect.objectContaining({ code: 'event_invalid', message: expect.stringContaining('user.create has no failure form') }),
    );
  });

  it('validates the fields, naming the path', () => {
    const bad = { user: 'alice', sid: 's1', ...db, db_protocol: 'oracle', db_query: 'SELECT 1' } as unknown as Parameters<
      typeof makeEvent<'db.session.query'>
    >[1];
    expect(() => makeEvent('db.session.query', bad, 'local')).toThrow(AuditError);
    expect(() => makeEvent('db.session.query', bad, 'local')).toThrow(/db_protocol/);
  });

  it('is typed per event', () => {
    // @ts-expect-error db_query is required for db.session.query
    expect(() => makeEvent('db.session.query', { user: 'alice', sid: 's1', ...db }, 'local')).toThrow(/db_query/);
    // @ts-expect-error role.created has no db_query; at run time the stray field is dropped
    const role = makeEvent('role.created', { name: 'dev', db_query: 'SELECT 1' }, 'local');
    expect('db_query' in role).toBe(false);
    // @ts-expect-error the code is derived, never given
    expect(makeEvent('role.deleted', { name: 'dev', code: 'T0000I' }, 'local').code).toBe('T9001I');
  });

  it('refuses an invalid date', () => {
    expect(() => makeEvent('role.deleted', { name: 'dev', time: new Date('nope') }, 'local')).toThrow(/time/);
  });

  it('produces events that parse back unchanged', () => {
    const events = [
      makeEvent('user.login', { user: 'alice', method: 'local', addr: '10.0.0.1:5555' }, 'local'),
      makeEvent('user.create', { user: 'admin', name: 'bob', roles: ['access'] }, 'local'),
      makeEvent('user.update', { user: 'admin', name: 'bob', roles: ['access', 'dev'] }, 'local'),
      makeEvent('join_token.create', { user: 'admin', token_type: 'agent', expires: '2026-11-21T11:00:00.000Z' }, 'local'),
      makeEvent('instance.join', { role: 'agent', host_id: 'h1', node_name: 'db-1' }, 'local'),
      makeEvent(
        'cert.create',
        {
          user: 'alice',
          cert_type: 'db',
          identity: { user: 'alice', roles: ['dev'], route: { service: 'demo', protocol: 'postgres', username: 'alice', database: 'app' } },
          expires: '2026-11-21T18:00:00.000Z',
        },
        'local',
      ),
      makeEvent('db.session.start', { user: 'alice', sid: 's1', ...db, access_through: 'web' }, 'local'),
    ];
    for (const event of events) expect(parseAuditEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
    expect(events.find((e) => e.event === 'instance.join')).toMatchObject({ method: 'token', code: 'TJ002I', success: true });
  });
});
