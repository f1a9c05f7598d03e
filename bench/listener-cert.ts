import { createCertAuthority, createCsr, generateKeyPair, signDbServerCertificate } from '@postern/pki';

export interface ListenerCertificate {
  /** The CA that signed it, for the client's sslrootcert / --ssl-ca. */
  caPem: string;
  certPem: string;
  keyPem: string;
}

/**
 * A server certificate for 127.0.0.1 from a CA made here, for a reference listener
 * (PgBouncer, the bare Node relay): it is not a Postern-signed server.
 */
export async function listenerCertificate(name: string): Promise<ListenerCertificate> {
  const ca = await createCertAuthority('db_client', name);
  const key = await generateKeyPair();
  const certPem = signDbServerCertificate(ca, createCsr(key, '127.0.0.1'), ['127.0.0.1', 'localhost'], 24 * 3600_000);
  return { caPem: ca.certPem, certPem, keyPem: key.privateKeyPem };
}
