import { describe, expect, it } from 'vitest';
import { claimsSeenByRules, claimValues, rolesFromClaims, traitsFromClaims, valueMatches } from '../src/sso/claims';

const rules = [
  { claim: 'groups', value: 'dba', roles: ['admin'] },
  { claim: 'groups', value: 'dev-*', roles: ['dev', 'access'] },
  { claim: 'email_verified', value: 'true', roles: ['access'] },
  { claim: 'realm_access.roles', value: 'auditor', roles: ['auditor'] },
  { claim: 'http://schemas.xmlsoap.org/claims/Group', value: 'Ops', roles: ['ops'] },
];

describe('claims → roles (claims_to_roles)', () => {
  it('matches a list claim such as groups, value by value', () => {
    expect(rolesFromClaims(rules, { groups: ['staff', 'dba'] })).toEqual(['admin']);
    expect(rolesFromClaims(rules, { groups: ['staff'] })).toEqual([]);
  });

  it('matches a string claim like a one-element list', () => {
    expect(rolesFromClaims(rules, { groups: 'dba' })).toEqual(['admin']);
  });

  it('gives each role once, in the order the rules name them, across several rules', () => {
    expect(rolesFromClaims(rules, { groups: ['dev-web', 'dba', 'dev-api'], email_verified: true })).toEqual(['admin', 'dev', 'access']);
  });

  it('matches * as any run of characters, and nothing else as a pattern', () => {
    expect(valueMatches('dev-*', 'dev-')).toBe(true);
    expect(valueMatches('dev-*', 'dev-a.b')).toBe(true);
    expect(valueMatches('dev-*', 'xdev-a')).toBe(false);
    expect(valueMatches('a.c', 'abc')).toBe(false);
    expect(valueMatches('a+b', 'a+b')).toBe(true);
    expect(valueMatches('*', '')).toBe(true);
  });

  it('is case-sensitive and exact without *', () => {
    expect(rolesFromClaims(rules, { groups: ['DBA', 'dba2', ' dba'] })).toEqual([]);
  });

  it('reads booleans and numbers as text', () => {
    expect(claimValues({ n: 3, b: false }, 'n')).toEqual(['3']);
    expect(rolesFromClaims(rules, { email_verified: true })).toEqual(['access']);
    expect(rolesFromClaims(rules, { email_verified: 'false' })).toEqual([]);
  });

  it('follows a dotted path into objects, and prefers a claim with the whole dotted name', () => {
    expect(rolesFromClaims(rules, { realm_access: { roles: ['auditor'] } })).toEqual(['auditor']);
    expect(rolesFromClaims(rules, { 'http://schemas.xmlsoap.org/claims/Group': ['Ops'] })).toEqual(['ops']);
    expect(claimValues({ a: { b: 'x' }, 'a.b': 'y' }, 'a.b')).toEqual(['y']);
  });

  it('ignores missing claims, nulls, objects and inherited properties', () => {
    expect(rolesFromClaims(rules, {})).toEqual([]);
    expect(claimValues({ groups: null }, 'groups')).toEqual([]);
    expect(claimValues({ groups: [{ name: 'dba' }, 'x'] }, 'groups')).toEqual(['x']);
    expect(claimValues({}, 'constructor')).toEqual([]);
    expect(claimValues({ a: {} }, 'a.toString')).toEqual([]);
  });

  it('grants nothing without rules', () => {
    expect(rolesFromClaims([], { groups: ['dba'] })).toEqual([]);
  });
});

describe('traits from claims', () => {
  it('keeps text and lists of text, drops protocol claims and other shapes', () => {
    expect(
      traitsFromClaims({
        iss: 'https://idp',
        aud: 'postern',
        nonce: 'n',
        sub: 'abc',
        email: 'alice@example.com',
        groups: ['dba', 'dev'],
        email_verified: true,
        address: { country: 'FR' },
        mixed: ['a', 1],
        empty: [],
      }),
    ).toEqual({ sub: ['abc'], email: ['alice@example.com'], groups: ['dba', 'dev'] });
  });
});

describe('what a refusal shows', () => {
  it('only the claims the rules look at, with their values', () => {
    expect(claimsSeenByRules(rules.slice(0, 3), { groups: ['guests'], secret: 'token', email: 'e@x' })).toEqual({
      groups: ['guests'],
      email_verified: [],
    });
  });
});
