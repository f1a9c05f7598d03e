import { describe, expect, it } from 'vitest';
import {
  allowedDbNames,
  allowedDbUsers,
  builtinRoles,
  canSeeDatabase,
  checkDatabaseAccess,
  type AccessSubject,
  type DatabaseResource,
} from '../src/index';
import { demo, prod, role, subject, unlabelled } from './helpers';

const dev = role('dev', {
  db_labels: { env: ['dev', 'staging'] },
  db_names: ['*'],
  db_users: ['alice', '{{internal.db_users}}'],
});
const devSubject = subject([dev], { db_users: ['app'] });

type Case = [label: string, who: AccessSubject, db: DatabaseResource, dbUser: string, dbName: string, expected: true | string];

const cases: Case[] = [
  // Allow: labels, users, names, templates.
  ['a literal db user', devSubject, demo, 'alice', 'app', true],
  ['a db user from internal traits', devSubject, demo, 'app', 'anything', true],
  ['a db user neither listed nor in traits', devSubject, demo, 'postgres', 'app',
    'db user "postgres" is not allowed for database "demo"; your roles allow: alice, app'],
  ['db users are case-sensitive', devSubject, demo, 'Alice', 'app', 'db user "Alice" is not allowed'],
  ['a database outside the label selector', devSubject, prod, 'alice', 'app',
    'access to database "orders" is not allowed: your roles (dev) do not match its labels'],
  ['no roles at all', subject([]), demo, 'alice', 'app', 'access to database "demo" is not allowed: you have no roles'],
  ['an empty db user', devSubject, demo, '', 'app',
    'a db user is required to connect to database "demo"; your roles allow: alice, app'],
  ['a blank db user', devSubject, demo, '  ', 'app', 'a db user is required'],
  ['an empty db name', devSubject, demo, 'alice', '', 'a db name is required to connect to database "demo"; your roles allow: *'],
  ['a missing trait grants nothing', subject([dev]), demo, 'app', 'app',
    'db user "app" is not allowed for database "demo"; your roles allow: alice'],

  // Label selectors.
  ['every selector key must match', subject([role('r', { db_labels: { env: 'dev', team: 'data' }, db_names: ['*'], db_users: ['*'] })]), demo, 'u', 'd',
    'do not match its labels'],
  ['all selector keys matching', subject([role('r', { db_labels: { env: 'dev', team: 'core' }, db_names: ['*'], db_users: ['*'] })]), demo, 'u', 'd', true],
  ['a label value "*" needs the key present', subject([role('r', { db_labels: { env: '*' }, db_names: ['*'], db_users: ['*'] })]), unlabelled, 'u', 'd',
    'do not match its labels'],
  ['a label value "*" with the key present', subject([role('r', { db_labels: { env: '*' }, db_names: ['*'], db_users: ['*'] })]), prod, 'u', 'd', true],
  ["'*': '*' matches a database without labels", subject([role('r', { db_labels: { '*': '*' }, db_names: ['*'], db_users: ['*'] })]), unlabelled, 'u', 'd', true],
  ['a role without db_labels grants no database', subject([role('r', { db_names: ['*'], db_users: ['*'] })]), demo, 'u', 'd',
    'do not match its labels'],
  ['a label value from an external trait', subject([role('r', { db_labels: { team: '{{external.team}}' }, db_names: ['*'], db_users: ['*'] })], { team: ['core'] }), demo, 'u', 'd', true],
  ['a label value from a missing trait', subject([role('r', { db_labels: { team: '{{external.team}}' }, db_names: ['*'], db_users: ['*'] })]), demo, 'u', 'd',
    'do not match its labels'],
  ['inherited object keys are not labels', subject([role('r', { db_labels: { constructor: '*' }, db_names: ['*'], db_users: ['*'] })]), unlabelled, 'u', 'd',
    'do not match its labels'],

  // Templates with prefix/suffix and external traits.
  ['a prefixed external trait', subject([role('r', { db_labels: { '*': '*' }, db_names: ['*'], db_users: ['ro_{{external.team}}'] })], { team: ['core', 'data'] }), demo, 'ro_data', 'd', true],
  ['an internal db_names trait', subject([builtinRoles.access], { db_users: ['app'], db_names: ['shop'] }), demo, 'app', 'analytics',
    'db name "analytics" is not allowed for database "demo"; your roles allow: shop'],

  // One role must grant user and name together.
  ['user from one role, name from another', subject([
    role('a', { db_labels: { '*': '*' }, db_users: ['alice'], db_names: ['app'] }),
    role('b', { db_labels: { '*': '*' }, db_users: ['bob'], db_names: ['analytics'] }),
  ]), demo, 'alice', 'analytics', 'no single role allows db user "alice" together with db name "analytics" on database "demo"'],
  ['a role whose labels do not match cannot supply the user', subject([
    role('a', { db_labels: { env: 'dev' }, db_users: ['alice'], db_names: ['app'] }),
    role('b', { db_labels: { env: 'prod' }, db_users: ['postgres'], db_names: ['*'] }),
  ]), demo, 'postgres', 'app', 'db user "postgres" is not allowed for database "demo"; your roles allow: alice'],

  // Deny.
  ['deny {} denies nothing', subject([role('r', { db_labels: { '*': '*' }, db_names: ['*'], db_users: ['*'] }, {})]), demo, 'u', 'd', true],
  ['deny by labels alone shuts the database', subject([role('r', { db_labels: { '*': '*' }, db_names: ['*'], db_users: ['*'] }, { db_labels: { env: 'prod' } })]), prod, 'u', 'd',
    'access to database "orders" is denied by role "r"'],
  ['deny by labels alone leaves other databases', subject([role('r', { db_labels: { '*': '*' }, db_names: ['*'], db_users: ['*'] }, { db_labels: { env: 'prod' } })]), demo, 'u', 'd', true],
  ['deny db_users without labels applies everywhere', subject([builtinRoles.admin, role('no-pg', undefined, { db_users: ['postgres'] })]), demo, 'postgres', 'app',
    'db user "postgres" is denied for database "demo" by role "no-pg"'],
  ['deny db_users leaves other users', subject([builtinRoles.admin, role('no-pg', undefined, { db_users: ['postgres'] })]), demo, 'alice', 'postgres', true],
  ['deny db_names', subject([builtinRoles.admin, role('no-pg', undefined, { db_names: ['postgres'] })]), demo, 'alice', 'postgres',
    'db name "postgres" is denied for database "demo" by role "no-pg"'],
  ['deny db_users "*" on matching labels', subject([builtinRoles.admin, role('no-prod', undefined, { db_labels: { env: 'prod' }, db_users: ['*'] })]), prod, 'alice', 'app',
    'access to database "orders" is denied by role "no-prod"'],
  ['deny db_users "*" on other labels', subject([builtinRoles.admin, role('no-prod', undefined, { db_labels: { env: 'prod' }, db_users: ['*'] })]), demo, 'alice', 'app', true],
  ['deny from a trait the user lacks denies nothing', subject([builtinRoles.admin, role('t', undefined, { db_labels: { '*': '*' }, db_names: ['{{external.blocked}}'] })]), demo, 'alice', 'app', true],
  ['deny from a trait the user has', subject([builtinRoles.admin, role('t', undefined, { db_labels: { '*': '*' }, db_names: ['{{external.blocked}}'] })], { blocked: ['app'] }), demo, 'alice', 'app',
    'db name "app" is denied for database "demo" by role "t"'],
  ['deny in the same role as the allow', subject([role('r', { db_labels: { '*': '*' }, db_names: ['*'], db_users: ['*'] }, { db_users: ['root'] })]), demo, 'root', 'x',
    'db user "root" is denied'],

  // Built-in roles.
  ['admin reaches anything', subject([builtinRoles.admin]), prod, 'postgres', 'postgres', true],
  ['access uses traits', subject([builtinRoles.access], { db_users: ['app'], db_names: ['shop'] }), prod, 'app', 'shop', true],
  ['access without traits allows nothing', subject([builtinRoles.access]), prod, 'app', 'shop',
    'db user "app" is not allowed for database "orders"; your roles allow: none'],
];

describe('checkDatabaseAccess', () => {
  it.each(cases)('%s', (_label, who, db, dbUser, dbName, expected) => {
    const decision = checkDatabaseAccess(who, db, { dbUser, dbName });
    if (expected === true) {
      expect(decision).toEqual({ allowed: true });
    } else {
      expect(decision.allowed).toBe(false);
      if (!decision.allowed) expect(decision.reason).toContain(expected);
    }
  });
});

describe('canSeeDatabase', () => {
  const all = { db_labels: { '*': '*' }, db_names: ['*'], db_users: ['*'] };
  it.each([
    ['labels match', devSubject, demo, true],
    ['labels do not match', devSubject, prod, false],
    ['no roles', subject([]), demo, false],
    ['deny by labels hides it', subject([role('r', all, { db_labels: { env: 'prod' } })]), prod, false],
    ['deny of one db user keeps it visible', subject([role('r', all, { db_labels: { env: 'prod' }, db_users: ['postgres'] })]), prod, true],
    ['deny of every db user hides it', subject([role('r', all, { db_labels: { env: 'prod' }, db_users: ['*'] })]), prod, false],
    ['deny {} keeps it visible', subject([role('r', all, {})]), prod, true],
    ['a deny in another role hides it', subject([builtinRoles.admin, role('x', undefined, { db_labels: { team: 'core' } })]), demo, false],
  ] as const)('%s', (_label, who, db, visible) => {
    expect(canSeeDatabase(who, db)).toBe(visible);
  });
});

describe('allowedDbUsers / allowedDbNames', () => {
  it('unions the expanded values of the roles that match the database, without duplicates', () => {
    const who = subject(
      [
        dev,
        role('ops', { db_labels: { env: 'dev' }, db_users: ['alice', 'ops_{{external.team}}'], db_names: ['metrics'] }),
        role('prod-only', { db_labels: { env: 'prod' }, db_users: ['prod_user'], db_names: ['orders'] }),
      ],
      { db_users: ['app'], team: ['core'] },
    );
    expect(allowedDbUsers(who, demo)).toEqual(['alice', 'app', 'ops_core']);
    expect(allowedDbNames(who, demo)).toEqual(['*', 'metrics']);
    expect(allowedDbUsers(who, prod)).toEqual(['prod_user']);
  });

  it('leaves out denied values', () => {
    const who = subject([role('r', { db_labels: { '*': '*' }, db_users: ['alice', 'postgres'], db_names: ['app', 'postgres'] }, { db_users: ['postgres'], db_names: ['postgres'] })]);
    expect(allowedDbUsers(who, demo)).toEqual(['alice']);
    expect(allowedDbNames(who, demo)).toEqual(['app']);
  });

  it('is empty for a database denied entirely or not matched', () => {
    const who = subject([role('r', { db_labels: { '*': '*' }, db_users: ['alice'], db_names: ['app'] }, { db_labels: { env: 'prod' } })]);
    expect(allowedDbUsers(who, prod)).toEqual([]);
    expect(allowedDbNames(who, prod)).toEqual([]);
    expect(allowedDbUsers(devSubject, prod)).toEqual([]);
  });
});
