import { createTestPki, startMariadb, type TestMariadb } from '@postern/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/engine/connect-database';
import { Capability } from '../../src/protocol/constants';

let db: TestMariadb;
let pki: Awaited<ReturnType<typeof createTestPki>>;

beforeAll(async () => {
  pki = await createTestPki();
  db = await startMariadb({ tls: { serverCertPem: pki.server.certPem, serverKeyPem: pki.server.keyPem, clientCaPem: pki.ca.certPem } });
});
afterAll(async () => {
  await db?.stop();
});

const sslRequest = () => ({
  capabilities: Capability.Protocol41 | Capability.SecureConnection | Capability.PluginAuth,
  maxPacketSize: 16 * 1024 * 1024,
  characterSet: 45,
  mariadbCapabilities: 0,
});

/** Opens TLS to the database and waits for the ticket the server sends after the handshake. */
async function open(user: string) {
  const target = { name: 'demo', uri: `127.0.0.1:${db.port}`, caPem: pki.ca.certPem };
  const { socket } = await connectDatabase(target, pki.clientCert(user), Date.now() + 10_000, sslRequest);
  const ticket = new Promise((resolve) => socket.once('session', resolve));
  socket.resume();
  await Promise.race([ticket, new Promise((r) => setTimeout(r, 2_000))]);
  const reused = socket.isSessionReused();
  socket.destroy();
  return reused;
}

describe('TLS towards MySQL/MariaDB', () => {
  it('resumes the session of an earlier connection with the same certificate, and not with another', async () => {
    expect(await open('alice')).toBe(false);
    expect(await open('alice')).toBe(true);
    expect(await open('bob')).toBe(false);
  });
});
