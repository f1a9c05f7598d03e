import { createCertAuthority, createCsr, generateKeyPair, signDbClientCertificate, signDbServerCertificate } from '@postern/pki';
import type { CertAuthority } from '@postern/pki';

const HOUR_MS = 3_600_000;

export interface TestPki {
  ca: CertAuthority;
  /** A server certificate for 127.0.0.1 and localhost, for the database and the test proxy alike. */
  server: { certPem: string; keyPem: string };
  /** A DB Client CA certificate whose CN is `user`. */
  clientCert(user: string): { certPem: string; keyPem: string };
}

/** One RSA key serves every test certificate: key generation is the slow part. */
export async function createTestPki(): Promise<TestPki> {
  const ca = await createCertAuthority('db_client', 'test');
  const key = await generateKeyPair();
  const server = {
    certPem: signDbServerCertificate(ca, createCsr(key, '127.0.0.1'), ['127.0.0.1', 'localhost'], HOUR_MS),
    keyPem: key.privateKeyPem,
  };
  const clients = new Map<string, { certPem: string; keyPem: string }>();
  return {
    ca,
    server,
    clientCert(user) {
      let cert = clients.get(user);
      if (!cert) {
        cert = { certPem: signDbClientCertificate(ca, createCsr(key, user), user, HOUR_MS), keyPem: key.privateKeyPem };
        clients.set(user, cert);
      }
      return cert;
    },
  };
}
