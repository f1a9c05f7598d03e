import { describe, expect, it } from 'vitest';
import {
  createCertAuthority,
  signDbClientCertificate,
  signDbServerCertificate,
  signHostCertificate,
  signUserCertificate,
  verifyUserCertificate,
} from '../src';
import { fixtures, hasOpenssl, HOUR, openssl, opensslCsr } from './fixtures';

const alice = { username: 'alice', roles: ['dev'], traits: {} };

/** `openssl verify` is an independent X.509 implementation: if it accepts our DER, the DER is standard. */
function verify(caPem: string, certPem: string, extra: string[] = []) {
  return openssl(['verify', '-x509_strict', '-CAfile', 'ca.pem', ...extra, 'cert.pem'], { 'ca.pem': caPem, 'cert.pem': certPem });
}

describe.skipIf(!hasOpenssl)('OpenSSL accepts what Postern signs', () => {
  it('user certificates, as TLS clients only', async () => {
    const { userCa, csr } = await fixtures();
    const pem = signUserCertificate(userCa, csr, alice, HOUR);
    const ok = verify(userCa.certPem, pem, ['-purpose', 'sslclient']);
    expect(ok.output).toContain('cert.pem: OK');
    expect(ok.status).toBe(0);
    expect(verify(userCa.certPem, pem, ['-purpose', 'sslserver']).status).not.toBe(0);
  });

  it('host certificates, as TLS servers and clients with their names', async () => {
    const { hostCa, csr } = await fixtures();
    const pem = signHostCertificate(hostCa, csr, { hostId: 'p-1', hostname: 'proxy.acme.test', role: 'proxy', ips: ['127.0.0.1'] }, HOUR);
    expect(verify(hostCa.certPem, pem, ['-purpose', 'sslserver', '-verify_hostname', 'proxy.acme.test']).status).toBe(0);
    expect(verify(hostCa.certPem, pem, ['-purpose', 'sslserver', '-verify_ip', '127.0.0.1']).status).toBe(0);
    expect(verify(hostCa.certPem, pem, ['-purpose', 'sslclient']).status).toBe(0);
    expect(verify(hostCa.certPem, pem, ['-verify_hostname', 'evil.test']).status).not.toBe(0);
  });

  it('database client and server certificates', async () => {
    const { dbCa, csr } = await fixtures();
    const client = signDbClientCertificate(dbCa, csr, 'app_rw', HOUR);
    expect(verify(dbCa.certPem, client, ['-purpose', 'sslclient']).status).toBe(0);
    const subject = openssl(['x509', '-in', 'c.pem', '-noout', '-subject', '-nameopt', 'compat'], { 'c.pem': client });
    expect(subject.output.trim()).toBe('subject=/CN=app_rw'); // what MariaDB's REQUIRE SUBJECT compares
    const server = signDbServerCertificate(dbCa, csr, ['db.internal', '10.1.2.3'], HOUR);
    expect(verify(dbCa.certPem, server, ['-purpose', 'sslserver', '-verify_hostname', 'db.internal']).status).toBe(0);
    expect(verify(dbCa.certPem, server, ['-purpose', 'sslserver', '-verify_ip', '10.1.2.3']).status).toBe(0);
  });

  it('certificates for keys from OpenSSL CSRs', async () => {
    const { userCa } = await fixtures();
    const pem = signUserCertificate(userCa, opensslCsr(['-newkey', 'rsa:3072']), alice, HOUR);
    expect(verify(userCa.certPem, pem).status).toBe(0);
    expect(verifyUserCertificate(pem, { trusted: [userCa.certPem] }).username).toBe('alice');
  });

  it('picks the right CA by key id during a rotation, and refuses a forged one', async () => {
    const { userCa, csr } = await fixtures();
    const next = await createCertAuthority('user', 'acme');
    const both = userCa.certPem + next.certPem;
    expect(verify(both, signUserCertificate(next, csr, alice, HOUR)).status).toBe(0);
    expect(verify(both, signUserCertificate(userCa, csr, alice, HOUR)).status).toBe(0);
    const forged = signUserCertificate(next, csr, alice, HOUR);
    const refused = verify(userCa.certPem, forged);
    expect(refused.status).not.toBe(0);
  });

  it('shows the identity extension as an unknown, non-critical extension', async () => {
    const { userCa, csr } = await fixtures();
    const pem = signUserCertificate(userCa, csr, alice, HOUR);
    const text = openssl(['x509', '-in', 'c.pem', '-noout', '-text'], { 'c.pem': pem }).output;
    expect(text).toMatch(/1\.3\.6\.1\.4\.1\.59127\.1\.1:\s*\n/);
    expect(text).toContain('"username":"alice"');
    expect(text).toContain('CA:FALSE');
  });
});
