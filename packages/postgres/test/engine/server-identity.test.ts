import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { checkServerNameCheaply } from '@postern/engine';
import { createTestPki, type TestPki } from '@postern/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The agent's TLS towards a database checks the server's name from the leaf certificate
// only (see packages/engine/src/net/server-identity.ts): the check must still refuse a
// name the certificate does not carry, with Node's own error.

let pki: TestPki;
let server: tls.Server;
let port: number;

beforeAll(async () => {
  pki = await createTestPki();
  // The server sends its CA along, as a database configured with a chain file does.
  server = tls.createServer({ key: pki.server.keyPem, cert: `${pki.server.certPem}\n${pki.ca.certPem}` }, (s) => s.on('error', () => {}).resume());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** What Node handed checkServerIdentity on the last connection. */
let checked: tls.PeerCertificate | undefined;

function connect(host: string, servername?: string): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    // `host` is the name checked; the connection goes to 127.0.0.1 whatever it says.
    const checkServerIdentity = (_h: string, cert: tls.PeerCertificate) => {
      checked = cert;
      return tls.checkServerIdentity(host, cert);
    };
    const socket = tls.connect({ host: '127.0.0.1', port, ca: pki.ca.certPem, servername: servername ?? host, checkServerIdentity });
    checkServerNameCheaply(socket);
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('checkServerNameCheaply', () => {
  it('accepts the names the certificate carries, and leaves getPeerCertificate as it was afterwards', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const socket = await connect(host, host === 'localhost' ? host : '');
      expect(socket.authorized).toBe(true);
      // The check saw the leaf alone: no chain was copied for it.
      expect(checked?.subjectaltname).toBe('IP Address:127.0.0.1, DNS:localhost');
      expect((checked as tls.DetailedPeerCertificate | undefined)?.issuerCertificate).toBeUndefined();
      // The detailed form, with the chain, is back for anyone who asks later.
      expect(socket.getPeerCertificate(true).issuerCertificate?.subject.CN).toBeTruthy();
      socket.destroy();
    }
  });

  it('refuses a host name or address the certificate does not carry, with Node’s error', async () => {
    await expect(connect('db.example.com')).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      message: "Hostname/IP does not match certificate's altnames: Host: db.example.com. is not in the cert's altnames: IP Address:127.0.0.1, DNS:localhost",
    });
    await expect(connect('127.0.0.2', '')).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: expect.stringContaining("IP: 127.0.0.2 is not in the cert's list: 127.0.0.1") });
  });
});
