import type { UserIdentity } from '../src/types';
import { describe, expect, it } from 'vitest';
import { VerifiedCertificates } from '../src/verified-certificates';

const identity = (expiresInMs: number): UserIdentity => ({
  kind: 'user',
  clusterName: 'test',
  username: 'alice',
  roles: ['dev'],
  traits: {},
  expires: new Date(Date.now() + expiresInMs),
});

describe('VerifiedCertificates', () => {
  it('verifies a certificate once while it is valid', () => {
    const certs = new VerifiedCertificates();
    let calls = 0;
    const verify = () => (calls++, identity(60_000));
    expect(certs.get('a', verify).username).toBe('alice');
    certs.get('a', verify);
    expect(calls).toBe(1);
    certs.get('b', verify);
    expect(calls).toBe(2);
  });

  it('keeps no refusal, and checks an expired certificate again', () => {
    const certs = new VerifiedCertificates();
    expect(() =>
      certs.get('a', () => {
        throw new Error('expired');
      }),
    ).toThrow('expired');
    let calls = 0;
    certs.get('a', () => (calls++, identity(-1)));
    expect(() =>
      certs.get('a', () => {
        calls++;
        throw new Error('your certificate expired');
      }),
    ).toThrow('your certificate expired');
    expect(calls).toBe(2);
  });
});
