import { describe, expect, it } from 'vitest';
import { AuditError, parseAuditEvent } from '../src/index';

// The example of INTERFACE.md, with a real uid.
const example = {
  event: 'db.session.query',
  code: 'TDB02I',
  time: '2026-11-21T10:00:00.000Z',
  uid: '0b9f6c5e-8f4a-4b8e-9d3e-2a1c7b6d5e4f',
  sid: 'c0ffee00-0000-4000-8000-000000000001',
  ei: 3,
  cluster_name: 'local',
  user: 'alice',
  db_service: 'demo',
  db_protocol: 'postgres',
  db_uri: '127.0.0.1:5432',
  db_name: 'app',
  db_user: 'alice',
  db_query: 'SELECT 1',
  db_query_parameters: [],
};

function errorOf(input: unknown): AuditError {
  try {
    parseAuditEvent(input);
  } catch (err) {
    if (err instanceof AuditError) return err;
    throw err;
  }
  throw new Error('expected parseAuditEvent to throw');
}

describe('parseAuditEvent', () => {
  it('accepts the example of INTERFACE.md', () => {
    expect(parseAuditEvent(example)).toEqual(example);
  });

  it('fills defaults', () => {
    const { ei: _ei, db_query_parameters: _p, ...bare } = example;
    const event = parseAuditEvent(bare);
    expect(event.ei).toBe(0);
    expect(event.event === 'db.session.query' && event.db_query_parameters).toEqual([]);
  });

  it('accepts a time with an offset', () => {
    expect(parseAuditEvent({ ...example, time: '2026-11-21T11:00:00+01:00' }).time).toBe('2026-11-21T11:00:00+01:00');
  });

  it('drops fields it does not know, so an older Auth Service still stores a newer agent\'s events', () => {
    const event = parseAuditEvent({ ...example, db_rows: 12 });
    expect('db_rows' in event).toBe(false);
  });

  it.each([
    ['an unknown event', { ...example, event: 'db.session.teleport' }, 'event: unknown event "db.session.teleport"'],
    ['a missing event', (({ event: _e, ...rest }) => rest)(example), 'event: expected an event name'],
    ['a missing field of the event', (({ db_query: _q, ...rest }) => rest)(example), 'db_query: expected string'],
    ['a missing sid on a session event', (({ sid: _s, ...rest }) => rest)(example), 'sid: expected string'],
    ['a missing user on a session event', (({ user: _u, ...rest }) => rest)(example), 'user: expected string'],
    ['a non-string parameter', { ...example, db_query_parameters: ['1', 2] }, 'db_query_parameters[1]: expected string'],
    ['an unknown protocol', { ...example, db_protocol: 'oracle' }, 'db_protocol:'],
    ['an unknown access path', { ...example, access_through: 'ssh' }, 'access_through:'],
    ['a bad time', { ...example, time: 'yesterday' }, 'time: expected an ISO 8601 date-time'],
    ['a bad uid', { ...example, uid: '…' }, 'uid: expected a UUID'],
    ['a negative ei', { ...example, ei: -1 }, 'ei:'],
    ['a fractional ei', { ...example, ei: 1.5 }, 'ei:'],
    ['an empty cluster name', { ...example, cluster_name: '' }, 'cluster_name: must not be empty'],
    ['a code of another event', { ...example, code: 'TDB00I' }, 'code: expected "TDB02I" for db.session.query with success=true'],
    ['a success code on a failure', { ...example, success: false }, 'code: expected "TDB02W" for db.session.query with success=false'],
    ['a failure of an event that cannot fail', { event: 'role.created', code: 'T9000I', time: example.time, uid: example.uid, cluster_name: 'local', name: 'dev', success: false }, 'success: role.created has no failure form'],
    ['a local login code on an SSO login', { event: 'user.login', code: 'T1000I', time: example.time, uid: example.uid, cluster_name: 'local', method: 'oidc' }, 'code: expected "T1001I"'],
    ['a bad cert type', { event: 'cert.create', code: 'TC000I', time: example.time, uid: example.uid, cluster_name: 'local', cert_type: 'ssh', identity: { user: 'a', roles: [] }, expires: example.time }, 'cert_type:'],
    ['a cert route without a user', { event: 'cert.create', code: 'TC000I', time: example.time, uid: example.uid, cluster_name: 'local', cert_type: 'db', identity: { user: 'a', roles: [], route: { service: 'demo', protocol: 'postgres' } }, expires: example.time }, 'identity.route.username'],
    ['not an object', 'db.session.query', '(root): expected object'],
  ])('refuses %s', (_label, input, message) => {
    const err = errorOf(input);
    expect(err.code).toBe('event_invalid');
    expect(err.message).toContain(message);
  });
});
