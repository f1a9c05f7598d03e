import { describe, expect, it } from 'vitest';
import { parseRole, RbacError, roleSchema } from '../src/index';

const base = { kind: 'role', metadata: { name: 'dev' } };

function errorOf(input: unknown): RbacError {
  try {
    parseRole(input);
  } catch (err) {
    if (err instanceof RbacError) return err;
    throw err;
  }
  throw new Error('expected parseRole to throw');
}

describe('parseRole', () => {
  it('accepts the role of INTERFACE.md', () => {
    const role = parseRole({
      ...base,
      spec: {
        allow: {
          db_labels: { env: ['dev', 'staging'] },
          db_names: ['*'],
          db_users: ['alice', '{{internal.db_users}}'],
        },
        deny: {},
        options: { max_session_ttl: '8h' },
      },
    });
    expect(role.metadata.name).toBe('dev');
    expect(role.spec.allow?.db_labels).toEqual({ env: ['dev', 'staging'] });
    expect(role.spec.options?.max_session_ttl).toBe('8h');
  });

  it.each([
    ['a fully populated role', {
      kind: 'role', version: 'v1', metadata: { name: 'db.admins_2-x', description: 'ops' },
      spec: {
        allow: { db_labels: { '*': '*' }, rules: [{ resources: ['role', 'user'], verbs: ['list', 'read'] }] },
        deny: { db_labels: { env: 'prod' }, db_users: ['postgres'], db_names: ['{{external.forbidden}}'] },
        options: { max_session_ttl: '1h30m' },
      },
    }],
    ['an empty spec', { ...base, spec: {} }],
    ['a single-character name', { kind: 'role', metadata: { name: 'a' }, spec: {} }],
    ['a 63-character name', { kind: 'role', metadata: { name: 'a'.repeat(63) }, spec: {} }],
    ['a template with prefix and suffix', { ...base, spec: { allow: { db_users: ['ro-{{external.team}}-x'] } } }],
    ['a bracketed external trait', { ...base, spec: { allow: { db_users: ['{{external["http://idp/claims/db"]}}'] } } }],
    ['a wildcard key written as a list', { ...base, spec: { allow: { db_labels: { '*': ['*'] } } } }],
  ])('accepts %s', (_label, input) => {
    expect(() => parseRole(input)).not.toThrow();
    expect(roleSchema.safeParse(input).success).toBe(true);
  });

  // Every refusal must name the path of the offending key, so the admin can find it.
  it.each([
    ['db_names not a list', { ...base, spec: { allow: { db_names: 'app' } } }, 'spec.allow.db_names: expected array'],
    ['a misspelt key', { ...base, spec: { allow: { db_user: ['x'] } } }, 'spec.allow.db_user: unknown key'],
    ['an unknown top-level key', { ...base, spec: {}, extra: 1 }, 'extra: unknown key'],
    ['an unknown option', { ...base, spec: { options: { max_ttl: '1h' } } }, 'spec.options.max_ttl: unknown key'],
    ['the wrong kind', { ...base, kind: 'user', spec: {} }, 'kind: expected "role"'],
    ['an unknown version', { ...base, version: 'v2', spec: {} }, 'version: expected "v1"'],
    ['an uppercase name', { kind: 'role', metadata: { name: 'Dev' }, spec: {} }, 'metadata.name: must be'],
    ['a name starting with a dash', { kind: 'role', metadata: { name: '-dev' }, spec: {} }, 'metadata.name'],
    ['a 64-character name', { kind: 'role', metadata: { name: 'a'.repeat(64) }, spec: {} }, 'metadata.name'],
    ['a missing spec', { ...base }, 'spec: expected object'],
    ['a label value of the wrong type', { ...base, spec: { allow: { db_labels: { env: 1 } } } }, 'spec.allow.db_labels.env: expected a string or a list of strings'],
    ['a bad item in a label list', { ...base, spec: { allow: { db_labels: { env: ['dev', 2] } } } }, 'spec.allow.db_labels.env[1]: expected string'],
    ['a wildcard key with a value', { ...base, spec: { allow: { db_labels: { '*': 'prod' } } } }, "spec.allow.db_labels.*: the wildcard key '*' only accepts the value '*'"],
    ['an empty db user', { ...base, spec: { deny: { db_users: [''] } } }, 'spec.deny.db_users[0]: must not be empty'],
    ['an unknown internal trait', { ...base, spec: { allow: { db_users: ['{{internal.db_user}}'] } } }, 'spec.allow.db_users[0]: unknown internal trait "db_user"'],
    ['an unknown template namespace', { ...base, spec: { allow: { db_names: ['{{foo.bar}}'] } } }, 'spec.allow.db_names[0]: invalid template'],
    ['two templates in one value', { ...base, spec: { allow: { db_names: ['{{external.a}}{{external.b}}'] } } }, 'spec.allow.db_names[0]: invalid template'],
    ['an unclosed template', { ...base, spec: { allow: { db_names: ['{{external.a'] } } }, 'spec.allow.db_names[0]: invalid template'],
    ['a rule without verbs', { ...base, spec: { allow: { rules: [{ resources: ['role'], verbs: [] }] } } }, 'spec.allow.rules[0].verbs: list at least one verb'],
    ['a rule with an unknown key', { ...base, spec: { allow: { rules: [{ resources: ['role'], verbs: ['read'], where: 'x' }] } } }, 'spec.allow.rules[0].where: unknown key'],
    ['a duration in days', { ...base, spec: { options: { max_session_ttl: '1d' } } }, 'spec.options.max_session_ttl: invalid duration "1d"'],
    ['a zero duration', { ...base, spec: { options: { max_session_ttl: '0s' } } }, 'spec.options.max_session_ttl: must be longer than zero'],
    ['null', null, '(root): expected object'],
  ])('refuses %s', (_label, input, message) => {
    const err = errorOf(input);
    expect(err.code).toBe('role_invalid');
    expect(err.message).toContain(message);
  });

  it('reports every problem, not only the first', () => {
    const err = errorOf({ ...base, spec: { allow: { db_names: 'x', db_users: 'y' } } });
    expect(err.message).toContain('spec.allow.db_names');
    expect(err.message).toContain('spec.allow.db_users');
  });
});
