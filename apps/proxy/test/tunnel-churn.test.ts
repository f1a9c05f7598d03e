import { once } from 'node:events';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { createLogger } from '@postern/log';
import { createCertAuthority, createCsr, generateKeyPair, signHostCertificate, verifyHostCertificate } from '@postern/pki';
import { startTunnelAgent, TUNNEL_ALPN, TunnelServer } from '@postern/tunnel';
import type { TunnelAgent } from '@postern/tunnel';
import { afterEach, describe, expect, it } from 'vitest';
import { splice } from '../src/splice';

const HOUR = 3_600_000;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve().then(c).catch(() => {});
});

function quiet() {
  const log = createLogger('tunnel-churn-test');
  log.level = 'silent';
  return log;
}

/**
 * The agent's side of one database session, as PostgreSQL behaves: it answers what it
 * reads, and shortly after the client says goodbye (the byte 'X', like Terminate) it
 * closes, later than the client closes its own socket. Counts the streams the proxy reset.
 */
function databaseLike(stream: Duplex, resets: { count: number }): void {
  stream.on('data', (chunk: Buffer) => {
    if (chunk.includes(0x58)) setTimeout(() => stream.end(), 2);
    else stream.write(chunk);
  });
  // Node emits 'aborted' when the peer resets a stream this side has not finished writing.
  stream.once('aborted', () => resets.count++);
  stream.on('error', () => {});
}

/** Proxy TLS port with a tunnel server, an agent tunnelled to it, and a plain client port that dials and splices. */
async function startPair(): Promise<{ clientPort: number; agent: TunnelAgent; agentDown: string[]; resets: { count: number } }> {
  const [ca, proxyKey, agentKey] = await Promise.all([createCertAuthority('host', 'test'), generateKeyPair(), generateKeyPair()]);
  const issue = (key: typeof proxyKey, hostId: string, role: 'proxy' | 'agent') =>
    signHostCertificate(ca, createCsr(key, hostId), { hostId, hostname: 'localhost', role, dnsNames: ['localhost'], ips: ['127.0.0.1'] }, HOUR);
  const tunnel = new TunnelServer({
    log: quiet(),
    verifyAgent: (c) => ({ hostId: verifyHostCertificate(c.raw, { trusted: [ca.certPem], role: 'agent' }).hostId }),
  });
  const tlsServer = tls.createServer(
    {
      key: proxyKey.privateKeyPem,
      cert: issue(proxyKey, 'proxy-1', 'proxy'),
      ca: ca.certPem,
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: [TUNNEL_ALPN],
    },
    (sock) => tunnel.accept(sock),
  );
  tlsServer.on('tlsClientError', () => {});
  tlsServer.listen(0, '127.0.0.1');
  await once(tlsServer, 'listening');
  cleanups.push(async () => {
    await tunnel.close();
    await new Promise<void>((r) => tlsServer.close(() => r()));
  });

  const agentDown: string[] = [];
  const resets = { count: 0 };
  const agent = startTunnelAgent({
    proxyAddr: `127.0.0.1:${(tlsServer.address() as net.AddressInfo).port}`,
    tls: { keyPem: agentKey.privateKeyPem, certPem: issue(agentKey, 'agent-1', 'agent'), caPem: ca.certPem },
    hello: () => ({ hostId: 'agent-1', name: 'agent one', version: '0', databases: [{ name: 'demo', protocol: 'postgres', labels: {} }] }),
    onStream: (s) => databaseLike(s, resets),
    log: quiet(),
  });
  agent.on('failed', (reason) => agentDown.push(reason));
  cleanups.push(() => agent.close());

  // The client port as the proxy's protocol handlers use it: one dial and one splice per connection.
  const clientServer = net.createServer((client) => {
    client.on('error', () => {});
    const agentConn = tunnel.agents()[0];
    if (!agentConn) return void client.destroy();
    agentConn.dial({ database: 'demo', protocol: 'postgres', meta: {} }).then(
      (stream) => splice(client, stream),
      () => client.destroy(),
    );
  });
  clientServer.listen(0, '127.0.0.1');
  await once(clientServer, 'listening');
  cleanups.push(() => new Promise<void>((r) => clientServer.close(() => r())));
  const deadline = Date.now() + 10_000;
  while (tunnel.agents().length === 0) {
    if (Date.now() > deadline) throw new Error('the agent did not connect');
    await new Promise((r) => setTimeout(r, 20));
  }
  return { clientPort: (clientServer.address() as net.AddressInfo).port, agent, agentDown, resets };
}

/** One short session as pgbench -C makes them: a query, its answer, goodbye, close. Resolves with what came back, or why not. */
async function shortSession(port: number): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  try {
    return await talk(socket);
  } catch (err) {
    socket.destroy();
    return (err as Error).message;
  }
}

async function talk(socket: net.Socket): Promise<string> {
  const parts: Buffer[] = [];
  socket.on('data', (d: Buffer) => parts.push(d));
  await once(socket, 'connect');
  socket.write('Q');
  await new Promise<void>((resolve, reject) => {
    socket.once('data', () => resolve());
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed before the answer')));
  });
  socket.end('X');
  await once(socket, 'close');
  return Buffer.concat(parts).toString();
}

describe('a tunnel under connection churn', () => {
  // nghttp2 (Node 20: 1.61) ends an HTTP/2 server session with GOAWAY once its peer has
  // reset more than 1,000 streams plus 33 a second (the "rapid reset" defence). The agent
  // is that server; a proxy that resets each finished dial stream instead of ending it
  // brought every session down after about 2,500 pgbench -C connections.
  it('stays up through 1,500 short sessions in quick succession, each ended without a reset', async () => {
    const { clientPort, agent, agentDown, resets } = await startPair();
    const answers: string[] = [];
    const workers = Array.from({ length: 4 }, async () => {
      for (let i = 0; i < 375; i++) answers.push(await shortSession(clientPort));
    });
    await Promise.all(workers);
    expect(resets.count).toBe(0);
    expect(agentDown).toEqual([]);
    expect(agent.connected).toBe(true);
    expect(answers.length).toBe(1500);
    expect(answers.filter((a) => a !== 'Q')).toEqual([]);
  }, 120_000);
});
