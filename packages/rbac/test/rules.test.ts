import { describe, expect, it } from 'vitest';
import { builtinRoles, isActionAllowed } from '../src/index';
import { role } from './helpers';

const auditor = role('auditor', { rules: [{ resources: ['event', 'session'], verbs: ['list', 'read'] }] });
const roleEditor = role('role-editor', { rules: [{ resources: ['role'], verbs: ['*'] }] });
const noDelete = role('no-delete', undefined, { rules: [{ resources: ['*'], verbs: ['delete'] }] });
const noTokens = role('no-tokens', undefined, { rules: [{ resources: ['token'], verbs: ['*'] }] });

describe('isActionAllowed', () => {
  it.each([
    ['a listed resource and verb', [auditor], 'event', 'read', true],
    ['a listed resource, unlisted verb', [auditor], 'event', 'delete', false],
    ['an unlisted resource', [auditor], 'role', 'read', false],
    ['a verb wildcard', [roleEditor], 'role', 'delete', true],
    ['admin has every permission', [builtinRoles.admin], 'user', 'create', true],
    ['access has no admin permission', [builtinRoles.access], 'user', 'list', false],
    ['no roles', [], 'event', 'list', false],
    ['rules combine across roles', [auditor, roleEditor], 'role', 'update', true],
    ['a deny rule beats an allow wildcard', [builtinRoles.admin, noDelete], 'user', 'delete', false],
    ['a deny rule leaves other verbs', [builtinRoles.admin, noDelete], 'user', 'update', true],
    ['a deny of every verb on one resource', [builtinRoles.admin, noTokens], 'token', 'create', false],
    ['an empty resource', [builtinRoles.admin], '', 'read', false],
    ['an empty verb', [builtinRoles.admin], 'role', '', false],
  ] as const)('%s', (_label, roles, resource, verb, expected) => {
    expect(isActionAllowed(roles, resource, verb)).toBe(expected);
  });
});
