import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
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

/** ClientHello messages a client sends to a TLS server that takes only `groups`; the connection must succeed. */
async function clientHellos(groups: string): Promise<number> {
  const pki = await createTestPki();
  const server = tls.createServer({ key: pki.server.keyPem, cert: pki.server.certPem, ecdhCurve: groups }, (s) => s.on('error', () => {}).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // A relay in front of it counts the plaintext handshake records that carry a ClientHello.
  let hellos = 0;
  const relay = net.createServer((client) => {
    const upstream = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
    let pending = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 5 && pending.length >= 5 + pending.readUInt16BE(3)) {
        if (pending[0] === 0x16 && pending[5] === 0x01) hellos++;
        pending = pending.subarray(5 + pending.readUInt16BE(3));
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  try {
    const socket = tls.connect({ host: '127.0.0.1', port: (relay.address() as AddressInfo).port, secureContext: clientTlsContext({ caPem: pki.ca.certPem, ...pki.clientCert('alice') }) });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', () => resolve());
      socket.once('error', reject);
    });
    socket.destroy();
    return hellos;
  } finally {
    relay.close();
    server.close();
  }
}

describe('key exchange with a database', () => {
  it('offers P-256 first, the one curve PostgreSQL takes by default: no HelloRetryRequest', async () => {
    expect(await clientHellos('P-256')).toBe(1);
  });

  it('still agrees with a server that takes only another group, after one retry', async () => {
    expect(await clientHellos('X25519')).toBe(2);
    expect(await clientHellos('P-384')).toBe(2);
  });
});
