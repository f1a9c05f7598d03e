import { describe, expect, it } from 'vitest';
import { routeMismatch, sessionDatabase } from '../../src/engine/route';
import { parseDatabaseAddress } from '../../src/engine/address';

const route = (database: string) => ({ service: 'demo', protocol: 'mysql' as const, username: 'alice', database });

describe('the route decides the db user and database', () => {
  it('accepts the route user and database, or none named', () => {
    expect(routeMismatch({ user: 'alice', database: 'appdb' }, route('appdb'), 'demo')).toBeUndefined();
    expect(routeMismatch({ user: '', database: '' }, route('appdb'), 'demo')).toBeUndefined();
    expect(sessionDatabase('', route('appdb'))).toBe('appdb');
  });

  it('refuses another user with the postern db login that would fit', () => {
    expect(routeMismatch({ user: 'root', database: '' }, route('appdb'), 'demo')).toBe(
      'this certificate is for db user "alice" and database "appdb", not user "root" and database "appdb": run `postern db login demo --db-user root --db-name appdb` for one that is',
    );
  });

  it('refuses another database than a specific route', () => {
    expect(routeMismatch({ user: 'alice', database: 'otherdb' }, route('appdb'), 'demo')).toMatch(/--db-user alice --db-name otherdb/);
  });

  it("keeps the client's database (or none) under a route for '' or '*'", () => {
    for (const wildcard of ['', '*']) {
      expect(routeMismatch({ user: 'alice', database: 'otherdb' }, route(wildcard), 'demo')).toBeUndefined();
      expect(sessionDatabase('otherdb', route(wildcard))).toBe('otherdb');
      expect(sessionDatabase('', route(wildcard))).toBe('');
      expect(routeMismatch({ user: 'bob', database: '' }, route(wildcard), 'demo')).toBe(
        'this certificate is for db user "alice", not "bob": run `postern db login demo --db-user bob` for one that is',
      );
    }
  });
});

describe('parseDatabaseAddress', () => {
  it('reads host:port, [v6]:port and bare hosts (port 3306)', () => {
    expect(parseDatabaseAddress('db.internal:3307', 'x')).toEqual({ host: 'db.internal', port: 3307 });
    expect(parseDatabaseAddress('db.internal', 'x')).toEqual({ host: 'db.internal', port: 3306 });
    expect(parseDatabaseAddress('[::1]:3310', 'x')).toEqual({ host: '::1', port: 3310 });
    expect(parseDatabaseAddress('::1', 'x')).toEqual({ host: '::1', port: 3306 });
    expect(() => parseDatabaseAddress('db:99999', 'demo')).toThrow(/database demo has an invalid address "db:99999"/);
  });
});
