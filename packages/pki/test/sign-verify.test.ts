import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  certificateExpiry,
  certificateFingerprint,
  createCertAuthority,
  IDENTITY_EXTENSION_OID,
  signDbClientCertificate,
  signDbServerCertificate,
  signHostCertificate,
  signUserCertificate,
  verifyHostCertificate,
  verifyUserCertificate,
} from '../src';
import type { DatabaseRoute } from '../src';
import { readCertificateFields } from '../src/cert-fields';
import { signingCa } from '../src/authority';
import { forge, parseDer } from '../src/forge';
import { encodeIdentityExtension } from '../src/identity';
import { issueLeaf } from '../src/leaf';
import { fixtures, HOUR, pkiError } from './fixtures';

const alice = { username: 'alice@example.com', roles: ['dev', 'readonly'], traits: { db_users: ['alice', 'app'] } };
const route: DatabaseRoute = { service: 'pg-main', protocol: 'postgres', username: 'alice', database: 'app' };
const host = { hostId: 'agent-7f3a', hostname: 'db-agent-1.internal', role: 'agent' as const, dnsNames: ['agent.acme.test'], ips: ['10.0.0.7'] };

function caKey(pem: string) {
  return new X509Certificate(pem).publicKey;
}
function der(pem: string): Buffer {
  return new X509Certificate(pem).raw;
}
function toPem(raw: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${raw.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
}
/** Whole seconds: X.509 times have no milliseconds. */
function at(iso: string): Date {
  return new Date(iso);
}

describe('certificate authorities', () => {
  it('are self-signed CA certificates named after type and cluster', async () => {
    const { userCa, dbCa } = await fixtures();
    const x = new X509Certificate(userCa.certPem);
    expect(x.ca).toBe(true);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.subject.split('\n').sort()).toEqual(['CN=Postern user CA', 'O=acme']);
    expect(x.issuer).toBe(x.subject);
    expect(new X509Certificate(dbCa.certPem).subject).toContain('CN=Postern db_client CA');
    const years = (certificateExpiry(userCa.certPem).getTime() - Date.now()) / (365.25 * 24 * HOUR);
    expect(years).toBeGreaterThan(9.9);
    expect(years).toBeLessThan(10.1);
  });

  it('honour validityDays and now', async () => {
    const ca = await createCertAuthority('host', 'acme', { validityDays: 30, now: at('2030-01-01T00:00:00Z') });
    expect(certificateExpiry(ca.certPem).toISOString()).toBe('2030-01-31T00:00:00.000Z');
  });
});

describe('user certificates', () => {
  it('are signed with Node crypto into standard X.509 the CA key verifies', async () => {
    const { userCa, csr } = await fixtures();
    const pem = signUserCertificate(userCa, csr, alice, HOUR);
    const x = new X509Certificate(pem);
    expect(x.verify(caKey(userCa.certPem))).toBe(true);
    expect(x.subject).toBe('CN=alice@example.com');
    expect(x.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(x.ca).toBe(false);
    // 16 random bytes, positive
    expect(x.serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/);
  });

  it('round-trip through verifyUserCertificate', async () => {
    const { userCa, csr } = await fixtures();
    const now = new Date();
    const pem = signUserCertificate(userCa, csr, alice, HOUR, now);
    const id = verifyUserCertificate(pem, { trusted: [userCa.certPem], clusterName: 'acme', route: 'none' });
    expect(id).toEqual({
      kind: 'user',
      clusterName: 'acme',
      username: alice.username,
      roles: alice.roles,
      traits: alice.traits,
      expires: new Date(Math.floor((now.getTime() + HOUR) / 1000) * 1000),
    });
    expect(id.route).toBeUndefined();
    // DER works as well as PEM
    expect(verifyUserCertificate(der(pem), { trusted: [userCa.certPem] }).username).toBe(alice.username);
  });

  it('carry a route when asked, and verify against it', async () => {
    const { userCa, csr } = await fixtures();
    const pem = signUserCertificate(userCa, csr, { ...alice, route }, HOUR);
    const id = verifyUserCertificate(pem, { trusted: [userCa.certPem], route: { service: 'pg-main', protocol: 'postgres' } });
    expect(id.route).toEqual(route);
    expect(verifyUserCertificate(pem, { trusted: [userCa.certPem], route: { service: 'pg-main' } }).route).toEqual(route);
  });

  it('hold the identity as canonical JSON in a non-critical private extension', async () => {
    const { userCa, csr } = await fixtures();
    const pem = signUserCertificate(userCa, csr, { ...alice, route }, HOUR);
    const ext = readCertificateFields(der(pem)).extensions.get(IDENTITY_EXTENSION_OID);
    expect(ext?.critical).toBe(false);
    const node = parseDer(Buffer.from(ext!.value, 'binary'));
    expect(node.type).toBe(forge.asn1.Type.UTF8);
    const json = Buffer.from(node.value as string, 'binary').toString('utf8');
    expect(json).toBe(
      '{"cluster":"acme","kind":"user","roles":["dev","readonly"],"route":{"database":"app","protocol":"postgres","service":"pg-main","username":"alice"},"traits":{"db_users":["alice","app"]},"username":"alice@example.com","v":1}',
    );
  });

  it('do not outlive their CA', async () => {
    const { csr } = await fixtures();
    const now = at('2030-01-01T00:00:00Z');
    const ca = await createCertAuthority('user', 'acme', { validityDays: 1, now });
    const pem = signUserCertificate(ca, csr, alice, 48 * HOUR, now);
    expect(certificateExpiry(pem).toISOString()).toBe('2030-01-02T00:00:00.000Z');
    pkiError(() => signUserCertificate(ca, csr, alice, HOUR, at('2030-01-03T00:00:00Z')), 'ca_expired');
  });

  it('refuse bad requests at signing', async () => {
    const { userCa, hostCa, csr } = await fixtures();
    pkiError(() => signUserCertificate(hostCa, csr, alice, HOUR), 'invalid_argument');
    pkiError(() => signUserCertificate(userCa, csr, { ...alice, username: '' }, HOUR), 'invalid_argument');
    pkiError(() => signUserCertificate(userCa, csr, { ...alice, username: 'a\nb' }, HOUR), 'invalid_argument');
    pkiError(() => signUserCertificate(userCa, csr, alice, 0), 'invalid_argument');
    const badRoute = { ...route, protocol: 'oracle' } as unknown as DatabaseRoute;
    pkiError(() => signUserCertificate(userCa, csr, { ...alice, route: badRoute }, HOUR), 'invalid_argument');
    pkiError(() => signUserCertificate(userCa, 'nope', alice, HOUR), 'csr_malformed');
    // a CA record whose cluster name does not match its certificate
    pkiError(() => signUserCertificate({ ...userCa, clusterName: 'globex' }, csr, alice, HOUR), 'ca_invalid');
    pkiError(() => signUserCertificate({ ...userCa, privateKeyPem: hostCa.privateKeyPem }, csr, alice, HOUR), 'ca_invalid');
  });
});

describe('verifyUserCertificate refuses', () => {
  it('a certificate from a forged CA with the same name', async () => {
    const { userCa, csr } = await fixtures();
    const forger = await createCertAuthority('user', 'acme');
    const forged = signUserCertificate(forger, csr, { ...alice, roles: ['admin'] }, HOUR);
    // Same issuer name, so only the signature tells them apart.
    expect(new X509Certificate(forged).issuer).toBe(new X509Certificate(userCa.certPem).subject);
    const err = pkiError(() => verifyUserCertificate(forged, { trusted: [userCa.certPem] }), 'cert_untrusted');
    expect(err.message).toContain("not issued by this cluster's User CA");
    expect(err.message).toContain('postern login');
  });

  it('a certificate whose identity bytes were altered', async () => {
    const { userCa, csr } = await fixtures();
    const raw = der(signUserCertificate(userCa, csr, { ...alice, roles: ['dev'] }, HOUR));
    const at = raw.indexOf(Buffer.from('"roles":["dev"]'));
    expect(at).toBeGreaterThan(0);
    Buffer.from('"roles":["adm"]').copy(raw, at);
    const tampered = toPem(raw);
    // Still a well-formed certificate; only the signature is now wrong.
    expect(new X509Certificate(tampered).subject).toBe('CN=alice@example.com');
    pkiError(() => verifyUserCertificate(tampered, { trusted: [userCa.certPem] }), 'cert_untrusted');
  });

  it('a certificate from another cluster (foreign CA)', async () => {
    const { csr, userCa } = await fixtures();
    const other = await createCertAuthority('user', 'globex');
    const pem = signUserCertificate(other, csr, alice, HOUR);
    pkiError(() => verifyUserCertificate(pem, { trusted: [userCa.certPem] }), 'cert_untrusted');
    // and when the other cluster's CA is (wrongly) trusted, the cluster name still refuses it
    const err = pkiError(() => verifyUserCertificate(pem, { trusted: [other.certPem], clusterName: 'acme' }), 'cert_untrusted');
    expect(err.message).toContain('globex');
    expect(verifyUserCertificate(pem, { trusted: [other.certPem], clusterName: 'globex' }).clusterName).toBe('globex');
  });

  it('an expired certificate, saying when and what to run', async () => {
    const { userCa, csr } = await fixtures();
    const issued = at('2025-01-01T10:00:00Z');
    const login = signUserCertificate(userCa, csr, alice, HOUR, issued);
    const now = at('2025-01-01T13:00:00Z');
    const err = pkiError(() => verifyUserCertificate(login, { trusted: [userCa.certPem], now }), 'cert_expired');
    expect(err.message).toContain('2025-01-01T11:00:00.000Z');
    expect(err.message).toContain('2 hours ago');
    expect(err.message).toContain('`postern login`');
    const db = signUserCertificate(userCa, csr, { ...alice, route }, HOUR, issued);
    const dbErr = pkiError(() => verifyUserCertificate(db, { trusted: [userCa.certPem], now }), 'cert_expired');
    expect(dbErr.message).toContain('`postern db login pg-main`');
  });

  it('a certificate that is not valid yet', async () => {
    const { userCa, csr } = await fixtures();
    const pem = signUserCertificate(userCa, csr, alice, HOUR, at('2025-01-01T10:00:00Z'));
    pkiError(() => verifyUserCertificate(pem, { trusted: [userCa.certPem], now: at('2025-01-01T09:00:00Z') }), 'cert_not_yet_valid');
  });

  it('nothing within the clock skew allowance', async () => {
    const { userCa, csr } = await fixtures();
    const now = at('2025-06-01T12:00:00Z');
    // expired 30 s ago
    const old = signUserCertificate(userCa, csr, alice, HOUR, new Date(now.getTime() - HOUR - 30_000));
    expect(verifyUserCertificate(old, { trusted: [userCa.certPem], now }).username).toBe(alice.username);
    pkiError(() => verifyUserCertificate(old, { trusted: [userCa.certPem], now, clockSkewMs: 0 }), 'cert_expired');
    pkiError(() => verifyUserCertificate(old, { trusted: [userCa.certPem], now: new Date(now.getTime() + 31_000) }), 'cert_expired');
    // valid from 30 s in the future (issued 90 s ahead, backdated 60 s)
    const early = signUserCertificate(userCa, csr, alice, HOUR, new Date(now.getTime() + 90_000));
    expect(verifyUserCertificate(early, { trusted: [userCa.certPem], now }).username).toBe(alice.username);
    pkiError(() => verifyUserCertificate(early, { trusted: [userCa.certPem], now, clockSkewMs: 0 }), 'cert_not_yet_valid');
  });

  it('a certificate for another database', async () => {
    const { userCa, csr } = await fixtures();
    const pem = signUserCertificate(userCa, csr, { ...alice, route }, HOUR);
    const trusted = [userCa.certPem];
    const err = pkiError(() => verifyUserCertificate(pem, { trusted, route: { service: 'mysql-billing' } }), 'cert_wrong_route');
    expect(err.message).toBe('this certificate is for database pg-main, not mysql-billing; run `postern db login mysql-billing`');
    pkiError(() => verifyUserCertificate(pem, { trusted, route: { service: 'pg-main', protocol: 'mysql' } }), 'cert_wrong_route');
    pkiError(() => verifyUserCertificate(pem, { trusted, route: 'none' }), 'cert_wrong_route');
  });

  it('a login certificate where a database certificate is required', async () => {
    const { userCa, csr } = await fixtures();
    const pem = signUserCertificate(userCa, csr, alice, HOUR);
    const err = pkiError(() => verifyUserCertificate(pem, { trusted: [userCa.certPem], route: { service: 'pg-main' } }), 'cert_wrong_route');
    expect(err.message).toContain('postern db login pg-main');
  });

  it('a host certificate, even when its CA is trusted', async () => {
    const { userCa, hostCa, csr } = await fixtures();
    const pem = signHostCertificate(hostCa, csr, host, HOUR);
    pkiError(() => verifyUserCertificate(pem, { trusted: [userCa.certPem] }), 'cert_untrusted');
    const err = pkiError(() => verifyUserCertificate(pem, { trusted: [userCa.certPem, hostCa.certPem] }), 'cert_wrong_usage');
    expect(err.message).toContain('host certificate');
  });

  it('a database client certificate and the CA certificate itself', async () => {
    const { userCa, dbCa, csr } = await fixtures();
    const db = signDbClientCertificate(dbCa, csr, 'alice', HOUR);
    pkiError(() => verifyUserCertificate(db, { trusted: [dbCa.certPem] }), 'cert_wrong_usage');
    pkiError(() => verifyUserCertificate(userCa.certPem, { trusted: [userCa.certPem] }), 'cert_wrong_usage');
  });

  // These certificates come from the real CA, so only the usage checks can refuse them.
  it('a certificate whose CN is not the user in its identity', async () => {
    const { userCa, csr } = await fixtures();
    const identity = encodeIdentityExtension({ v: 1, kind: 'user', cluster: 'acme', username: 'alice', roles: ['admin'], traits: {} });
    const ca = signingCa(userCa, 'user');
    const mismatched = issueLeaf({ ca, csrPem: csr, commonName: 'mallory', serverAuth: false, clientAuth: true, identity, ttlMs: HOUR });
    pkiError(() => verifyUserCertificate(mismatched, { trusted: [userCa.certPem] }), 'cert_wrong_usage');
    const matching = issueLeaf({ ca, csrPem: csr, commonName: 'alice', serverAuth: false, clientAuth: true, identity, ttlMs: HOUR });
    expect(verifyUserCertificate(matching, { trusted: [userCa.certPem] }).username).toBe('alice');
  });

  it('a certificate without clientAuth', async () => {
    const { userCa, csr } = await fixtures();
    const identity = encodeIdentityExtension({ v: 1, kind: 'user', cluster: 'acme', username: 'alice', roles: [], traits: {} });
    const serverOnly = issueLeaf({
      ca: signingCa(userCa, 'user'),
      csrPem: csr,
      commonName: 'alice',
      serverAuth: true,
      clientAuth: false,
      identity,
      ttlMs: HOUR,
    });
    pkiError(() => verifyUserCertificate(serverOnly, { trusted: [userCa.certPem] }), 'cert_wrong_usage');
  });

  it('garbage', async () => {
    const { userCa } = await fixtures();
    pkiError(() => verifyUserCertificate('nope', { trusted: [userCa.certPem] }), 'cert_malformed');
    pkiError(() => verifyUserCertificate(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]), { trusted: [userCa.certPem] }), 'cert_malformed');
    pkiError(() => verifyUserCertificate(userCa.certPem, { trusted: [] }), 'invalid_argument');
    pkiError(() => verifyUserCertificate(userCa.certPem, { trusted: [userCa.certPem], now: new Date('nope') }), 'invalid_argument');
  });
});

describe('CA rotation', () => {
  it('accepts certificates of either CA while both are trusted', async () => {
    const { userCa, csr } = await fixtures();
    const next = await createCertAuthority('user', 'acme');
    const trusted = [userCa.certPem, next.certPem];
    expect(verifyUserCertificate(signUserCertificate(userCa, csr, alice, HOUR), { trusted }).username).toBe(alice.username);
    expect(verifyUserCertificate(signUserCertificate(next, csr, alice, HOUR), { trusted }).username).toBe(alice.username);
    pkiError(() => verifyUserCertificate(signUserCertificate(next, csr, alice, HOUR), { trusted: [userCa.certPem] }), 'cert_untrusted');
  });
});

describe('host certificates', () => {
  it('round-trip, with SANs and both TLS usages', async () => {
    const { hostCa, csr } = await fixtures();
    const pem = signHostCertificate(hostCa, csr, host, HOUR);
    const x = new X509Certificate(pem);
    expect(x.verify(caKey(hostCa.certPem))).toBe(true);
    expect(x.subject).toBe('CN=agent-7f3a');
    expect(x.subjectAltName).toBe('DNS:agent.acme.test, IP Address:10.0.0.7, DNS:db-agent-1.internal');
    expect([...(x.keyUsage ?? [])].sort()).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    const id = verifyHostCertificate(pem, { trusted: [hostCa.certPem], clusterName: 'acme', role: 'agent' });
    expect(id).toMatchObject({ kind: 'host', clusterName: 'acme', hostId: 'agent-7f3a', hostname: 'db-agent-1.internal', role: 'agent' });
  });

  it('are refused for another role', async () => {
    const { hostCa, csr } = await fixtures();
    const pem = signHostCertificate(hostCa, csr, host, HOUR);
    pkiError(() => verifyHostCertificate(pem, { trusted: [hostCa.certPem], role: 'proxy' }), 'cert_wrong_usage');
  });

  it('refuse user certificates, even when the User CA is trusted', async () => {
    const { userCa, hostCa, csr } = await fixtures();
    const pem = signUserCertificate(userCa, csr, alice, HOUR);
    const err = pkiError(() => verifyHostCertificate(pem, { trusted: [hostCa.certPem] }), 'cert_untrusted');
    expect(err.message).toContain("this cluster's Host CA");
    pkiError(() => verifyHostCertificate(pem, { trusted: [hostCa.certPem, userCa.certPem] }), 'cert_wrong_usage');
  });

  it('expire with a message naming the host', async () => {
    const { hostCa, csr } = await fixtures();
    const pem = signHostCertificate(hostCa, csr, host, HOUR, at('2025-01-01T00:00:00Z'));
    const err = pkiError(() => verifyHostCertificate(pem, { trusted: [hostCa.certPem], now: at('2025-01-03T00:00:00Z') }), 'cert_expired');
    expect(err.message).toContain('agent agent-7f3a');
  });
});

describe('database certificates', () => {
  it('client: CN is the db user and nothing else, clientAuth only, no identity', async () => {
    const { dbCa, csr } = await fixtures();
    const pem = signDbClientCertificate(dbCa, csr, 'app_rw', HOUR);
    const x = new X509Certificate(pem);
    expect(x.verify(caKey(dbCa.certPem))).toBe(true);
    expect(x.subject).toBe('CN=app_rw');
    expect(x.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(readCertificateFields(x.raw).extensions.has(IDENTITY_EXTENSION_OID)).toBe(false);
    expect(x.subjectAltName).toBeUndefined();
  });

  it('server: CN is the first host, names and addresses become DNS and IP SANs', async () => {
    const { dbCa, csr } = await fixtures();
    const pem = signDbServerCertificate(dbCa, csr, ['db.internal', '10.1.2.3', '::1', 'localhost'], 24 * HOUR);
    const x = new X509Certificate(pem);
    expect(x.verify(caKey(dbCa.certPem))).toBe(true);
    expect(x.subject).toBe('CN=db.internal');
    expect(x.subjectAltName).toBe('DNS:db.internal, IP Address:10.1.2.3, IP Address:0:0:0:0:0:0:0:1, DNS:localhost');
    expect(x.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(x.checkHost('db.internal')).toBe('db.internal');
    expect(x.checkIP('10.1.2.3')).toBe('10.1.2.3');
    expect(x.checkIP('::1')).toBe('::1');
  });

  it('need the DB Client CA and valid hosts', async () => {
    const { userCa, dbCa, csr } = await fixtures();
    pkiError(() => signDbClientCertificate(userCa, csr, 'app', HOUR), 'invalid_argument');
    pkiError(() => signDbServerCertificate(dbCa, csr, [], HOUR), 'invalid_argument');
    pkiError(() => signDbServerCertificate(dbCa, csr, ['bad host'], HOUR), 'invalid_argument');
  });
});

describe('certificate inspection', () => {
  it('fingerprint is the SHA-256 of the DER, for PEM and DER alike', async () => {
    const { userCa } = await fixtures();
    const x = new X509Certificate(userCa.certPem);
    const expected = x.fingerprint256.replace(/:/g, '').toLowerCase();
    expect(certificateFingerprint(userCa.certPem)).toBe(expected);
    expect(certificateFingerprint(x.raw)).toBe(expected);
  });

  it('expiry is notAfter', async () => {
    const { userCa } = await fixtures();
    expect(certificateExpiry(userCa.certPem).getTime()).toBe(new Date(new X509Certificate(userCa.certPem).validTo).getTime());
    pkiError(() => certificateExpiry('nope'), 'cert_malformed');
  });
});
