import { describe, expect, it } from 'vitest';
import { parseDatabaseAddress, formatAddress } from '../../src/engine/address';
import { SessionFailure } from '../../src/engine/failure';
import { routeMismatch, upstreamParams } from '../../src/engine/route';

const route = { service: 'demo', protocol: 'postgres' as const, username: 'alice', database: 'appdb' };

describe('routeMismatch', () => {
  it('accepts the route, and an absent or empty database as the route one', () => {
    expect(routeMismatch({ user: 'alice', database: 'appdb' }, route, 'demo')).toBeUndefined();
    expect(routeMismatch({ user: 'alice' }, route, 'demo')).toBeUndefined();
    expect(routeMismatch({ user: 'alice', database: '' }, route, 'demo')).toBeUndefined();
  });

  it('refuses another user or database with the command that would fit', () => {
    expect(routeMismatch({ user: 'postgres', database: 'appdb' }, route, 'demo')).toBe(
      'this certificate is for db user "alice" and database "appdb", not user "postgres" and database "appdb": ' +
        'run `postern db login demo --db-user postgres --db-name appdb` for one that is',
    );
    expect(routeMismatch({ user: 'alice', database: 'other' }, route, 'demo')).toMatch(/--db-user alice --db-name other/);
  });

  it('reads an empty route database as the db user\'s own, as PostgreSQL does', () => {
    const bare = { ...route, database: '' };
    expect(routeMismatch({ user: 'alice', database: 'alice' }, bare, 'demo')).toBeUndefined();
    expect(upstreamParams({ user: 'alice' }, bare)).toEqual({ user: 'alice', database: 'alice' });
  });
});

describe('upstreamParams', () => {
  it('takes user and database from the route and keeps the client settings', () => {
    expect(
      upstreamParams(
        { user: 'x', database: 'y', application_name: 'psql', client_encoding: 'UTF8', DateStyle: 'ISO', options: '-c search_path=s' },
        route,
      ),
    ).toEqual({ user: 'alice', database: 'appdb', application_name: 'psql', client_encoding: 'UTF8', DateStyle: 'ISO', options: '-c search_path=s' });
  });

  it('drops replication and protocol options', () => {
    expect(upstreamParams({ user: 'alice', replication: 'database', '_pq_.x': '1' }, route)).toEqual({ user: 'alice', database: 'appdb' });
  });
});

describe('parseDatabaseAddress', () => {
  it('reads host:port, [v6]:port and bare hosts', () => {
    expect(parseDatabaseAddress('db.internal:6543', 'demo')).toEqual({ host: 'db.internal', port: 6543 });
    expect(parseDatabaseAddress('127.0.0.1', 'demo')).toEqual({ host: '127.0.0.1', port: 5432 });
    expect(parseDatabaseAddress('[::1]:5433', 'demo')).toEqual({ host: '::1', port: 5433 });
    expect(parseDatabaseAddress('::1', 'demo')).toEqual({ host: '::1', port: 5432 });
    expect(formatAddress({ host: '::1', port: 5433 })).toBe('[::1]:5433');
  });

  it('refuses nonsense with a message naming the database', () => {
    for (const bad of ['', 'host:0', 'host:99999', 'postgres://host:5432', '[nothost]:1', 'a b:1']) {
      expect(() => parseDatabaseAddress(bad, 'demo'), bad).toThrow(SessionFailure);
    }
    expect(() => parseDatabaseAddress('x:y', 'demo')).toThrow(/database demo has an invalid address "x:y"/);
  });
});
