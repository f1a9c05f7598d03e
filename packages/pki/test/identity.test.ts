import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../src';
import { decodeIdentityExtension, encodeIdentityExtension } from '../src/identity';
import type { UserClaims } from '../src/identity';
import { forge } from '../src/forge';
import { pkiError } from './fixtures';

describe('canonicalJson', () => {
  it('sorts keys at every level, keeps array order, drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: 'x' }, u: undefined })).toBe('{"a":{"c":"x","d":[3,1]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });
});

describe('identity extension', () => {
  const claims: UserClaims = { v: 1, kind: 'user', cluster: 'acme', username: 'zoë', roles: ['dev'], traits: { t: ['1'] } };

  it('round-trips, including non-ASCII', () => {
    expect(decodeIdentityExtension(encodeIdentityExtension(claims))).toEqual(claims);
  });

  it('refuses what is not a v1 Postern identity', () => {
    const utf8 = (s: string) =>
      forge.asn1.toDer(forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.UTF8, false, forge.util.encodeUtf8(s))).getBytes();
    pkiError(() => decodeIdentityExtension(utf8('{"v":2,"kind":"user"}')), 'cert_malformed');
    pkiError(() => decodeIdentityExtension(utf8(JSON.stringify({ ...claims, roles: 'admin' }))), 'cert_malformed');
    pkiError(() => decodeIdentityExtension(utf8(JSON.stringify({ ...claims, kind: 'robot' }))), 'cert_malformed');
    pkiError(() => decodeIdentityExtension(utf8('not json')), 'cert_malformed');
    pkiError(() => decodeIdentityExtension('\x04\x02{}'), 'cert_malformed');
  });
});
