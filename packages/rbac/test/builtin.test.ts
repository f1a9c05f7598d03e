import { describe, expect, it } from 'vitest';
import { BUILTIN_ROLE_NAMES, builtinRoles, isBuiltinRoleName, roleSchema } from '../src/index';

describe('builtin roles', () => {
  it('are named admin and access', () => {
    expect([...BUILTIN_ROLE_NAMES]).toEqual(['admin', 'access']);
    expect(builtinRoles.admin.metadata.name).toBe('admin');
    expect(builtinRoles.access.metadata.name).toBe('access');
    expect(isBuiltinRoleName('admin')).toBe(true);
    expect(isBuiltinRoleName('dev')).toBe(false);
  });

  it('match the documented definitions', () => {
    expect(builtinRoles.admin.spec).toEqual({
      allow: { db_labels: { '*': '*' }, db_names: ['*'], db_users: ['*'], rules: [{ resources: ['*'], verbs: ['*'] }] },
      options: { max_session_ttl: '12h' },
    });
    expect(builtinRoles.access.spec).toEqual({
      allow: { db_labels: { '*': '*' }, db_names: ['{{internal.db_names}}'], db_users: ['{{internal.db_users}}'] },
      options: { max_session_ttl: '12h' },
    });
  });

  it('are valid role documents', () => {
    expect(roleSchema.safeParse(builtinRoles.admin).success).toBe(true);
    expect(roleSchema.safeParse(builtinRoles.access).success).toBe(true);
  });

  it('cannot be changed by a careless caller', () => {
    expect(() => {
      (builtinRoles.access.spec.allow?.db_users as string[]).push('postgres');
    }).toThrow(TypeError);
    expect(() => {
      (builtinRoles as { admin: unknown }).admin = null;
    }).toThrow(TypeError);
    expect(builtinRoles.access.spec.allow?.db_users).toEqual(['{{internal.db_users}}']);
  });
});
