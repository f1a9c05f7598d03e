import { describe, expect, it } from 'vitest';
import { builtinRoles, maxSessionTtlMs } from '../src/index';
import { role } from './helpers';

const H = 3_600_000;

describe('maxSessionTtlMs', () => {
  it.each([
    ['no roles', [], 0],
    ['a role without the option counts as 12h', [role('plain')], 12 * H],
    ['the built-ins', [builtinRoles.admin, builtinRoles.access], 12 * H],
    ['a shorter role wins', [builtinRoles.admin, role('short', undefined, undefined, '30m')], 0.5 * H],
    ['a longer role cannot lengthen', [role('long', undefined, undefined, '2190h'), role('plain')], 12 * H],
    ['a longer role alone', [role('long', undefined, undefined, '24h')], 24 * H],
    ['compound durations', [role('a', undefined, undefined, '8h'), role('b', undefined, undefined, '1h30m')], 1.5 * H],
  ] as const)('%s', (_label, roles, expected) => {
    expect(maxSessionTtlMs(roles)).toBe(expected);
  });
});
