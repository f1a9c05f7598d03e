import { describe, expect, it } from 'vitest';
import { AUDIT_EVENT_NAMES, EVENT_CODES, SSO_LOGIN_CODES, codeFor } from '../src/index';

describe('EVENT_CODES', () => {
  // Teleport's codes (lib/events/codes.go) for the same events; changing one breaks
  // every saved search and SIEM rule that relies on it.
  it.each([
    ['user.login', 'T1000I', 'T1000W'],
    ['user.create', 'T1002I', undefined],
    ['user.update', 'T1003I', undefined],
    ['user.delete', 'T1004I', undefined],
    ['role.created', 'T9000I', undefined],
    ['role.deleted', 'T9001I', undefined],
    ['oidc.created', 'T8100I', undefined],
    ['oidc.deleted', 'T8101I', undefined],
    ['saml.created', 'T8200I', undefined],
    ['saml.deleted', 'T8201I', undefined],
    ['join_token.create', 'TJT00I', undefined],
    ['instance.join', 'TJ002I', 'TJ002E'],
    ['agent.delete', 'TPN001I', undefined],
    ['cert.create', 'TC000I', 'TC000W'],
    ['db.session.start', 'TDB00I', 'TDB00W'],
    ['db.session.end', 'TDB01I', undefined],
    ['db.session.query', 'TDB02I', 'TDB02W'],
    ['db.session.mysql.init_db', 'TMY07I', undefined],
  ] as const)('%s is %s / %s', (name, success, failure) => {
    const codes = EVENT_CODES[name];
    expect(codes.success).toBe(success);
    expect(codes.failure).toBe(failure);
  });

  it('covers exactly the events of the schema', () => {
    expect(Object.keys(EVENT_CODES).sort()).toEqual([...AUDIT_EVENT_NAMES].sort());
    expect(AUDIT_EVENT_NAMES).toHaveLength(18);
  });

  it('never reuses a code', () => {
    const all = [...Object.values(EVENT_CODES), SSO_LOGIN_CODES].flatMap((c) => [c.success, c.failure ?? []].flat());
    expect(new Set(all).size).toBe(all.length);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(EVENT_CODES)).toBe(true);
    expect(Object.isFrozen(EVENT_CODES['db.session.query'])).toBe(true);
  });
});

describe('codeFor', () => {
  it.each([
    ['db.session.query', true, undefined, 'TDB02I'],
    ['db.session.query', false, undefined, 'TDB02W'],
    ['user.login', true, 'local', 'T1000I'],
    ['user.login', false, 'local', 'T1000W'],
    ['user.login', true, 'oidc', 'T1001I'],
    ['user.login', false, 'saml', 'T1001W'],
    ['user.create', false, undefined, undefined],
  ] as const)('%s success=%s method=%s → %s', (name, success, method, code) => {
    expect(codeFor(name, success, method)).toBe(code);
  });
});
