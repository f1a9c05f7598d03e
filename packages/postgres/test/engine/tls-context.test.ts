import { clientTlsContext } from '@postern/engine';
import { createTestPki } from '@postern/testing';
import { describe, expect, it } from 'vitest';

describe('clientTlsContext (the agent side of TLS towards a database)', () => {
  it('builds one context per database CA and client certificate, and a new one for a renewed certificate', async () => {
    const pki = await createTestPki();
    const alice = pki.clientCert('alice');
    const first = clientTlsContext({ caPem: pki.ca.certPem, ...alice });
    expect(clientTlsContext({ caPem: pki.ca.certPem, ...alice })).toBe(first);
    expect(clientTlsContext({ caPem: pki.ca.certPem, ...pki.clientCert('bob') })).not.toBe(first);
  });

  it('refuses a key that does not belong to the certificate, as an uncached context would', async () => {
    const pki = await createTestPki();
    const other = await createTestPki();
    const alice = pki.clientCert('alice');
    clientTlsContext({ caPem: pki.ca.certPem, ...alice });
    expect(() => clientTlsContext({ caPem: pki.ca.certPem, certPem: alice.certPem, keyPem: other.server.keyPem })).toThrow();
  });
});
