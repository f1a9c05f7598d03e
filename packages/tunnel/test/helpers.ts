import { once } from 'node:events';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { createLogger, type Logger } from '@postern/log';
import { afterEach } from 'vitest';
import { createCertAuthority, createCsr, generateKeyPair, signHostCertificate, verifyHostCertificate } from '@postern/pki';
import type { CertAuthority, HostRole } from '@postern/pki';
import { freePort } from '@postern/testing';
import { startTunnelAgent, TUNNEL_ALPN, TunnelServer } from '../src';
import type { AgentHello, DialRequest, TunnelAgent, TunnelAgentOptions, TunnelServerOptions } from '../src';

export const HOUR = 3_600_000;

export function quietLog(): Logger {
  const log = createLogger('tunnel-test');
  log.level = process.env.TUNNEL_TEST_LOG ?? 'silent';
  return log;
}

export interface Cert {
  keyPem: string;
  certPem: string;
}

export interface Fixtures {
  ca: CertAuthority;
  foreignCa: CertAuthority;
  proxy: Cert;
  agent: Cert;
  /** Signed by the foreign CA: TLS must refuse it. */
  foreignAgent: Cert;
  /** Host CA, but role proxy: only verifyAgent can refuse it. */
  agentWithProxyRole: Cert;
  /** Host CA, role agent, presented by a "proxy": the agent must refuse it. */
  proxyWithAgentRole: Cert;
}

function issue(ca: CertAuthority, key: { privateKeyPem: string; publicKeyPem: string }, hostId: string, role: HostRole): Cert {
  const csr = createCsr(key, hostId);
  const certPem = signHostCertificate(ca, csr, { hostId, hostname: 'localhost', role, dnsNames: ['localhost'], ips: ['127.0.0.1'] }, HOUR);
  return { keyPem: key.privateKeyPem, certPem };
}

let cached: Promise<Fixtures> | undefined;

/** RSA keys take a while; a test file makes its certificates once. Keys are shared across certs on purpose. */
export function fixtures(): Promise<Fixtures> {
  cached ??= (async () => {
    const [ca, foreignCa, k1, k2] = await Promise.all([
      createCertAuthority('host', 'test'),
      createCertAuthority('host', 'test'),
      generateKeyPair(),
      generateKeyPair(),
    ]);
    return {
      ca,
      foreignCa,
      proxy: issue(ca, k1, 'proxy-1', 'proxy'),
      agent: issue(ca, k2, 'agent-1', 'agent'),
      foreignAgent: issue(foreignCa, k2, 'agent-1', 'agent'),
      agentWithProxyRole: issue(ca, k2, 'agent-1', 'proxy'),
      proxyWithAgentRole: issue(ca, k1, 'proxy-1', 'agent'),
    };
  })();
  return cached;
}

export interface TestProxy {
  port: number;
  tunnel: TunnelServer;
  /** Stops listening and destroys every socket, like a proxy process dying. */
  kill(): Promise<void>;
}

/** The proxy's TLS port as the proxy app will build it: client certs required, tunnels picked by ALPN. */
export async function startProxy(
  f: Fixtures,
  opts: { port?: number; cert?: Cert; tunnel?: Partial<TunnelServerOptions> } = {},
): Promise<TestProxy> {
  const port = opts.port ?? (await freePort());
  const cert = opts.cert ?? f.proxy;
  const tunnel = new TunnelServer({
    log: quietLog(),
    verifyAgent: (c) => ({ hostId: verifyHostCertificate(c.raw, { trusted: [f.ca.certPem], role: 'agent' }).hostId }),
    ...opts.tunnel,
  });
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer(
    { key: cert.keyPem, cert: cert.certPem, ca: f.ca.certPem, requestCert: true, rejectUnauthorized: true, ALPNProtocols: [TUNNEL_ALPN] },
    (sock) => {
      sockets.add(sock);
      sock.once('close', () => sockets.delete(sock));
      tunnel.accept(sock);
    },
  );
  server.on('tlsClientError', () => {});
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    port,
    tunnel,
    async kill() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await tunnel.close();
      await closed;
    },
  };
}

export const demoHello = (hostId = 'agent-1'): AgentHello => ({
  hostId,
  name: 'agent one',
  version: '0.1.0',
  databases: [
    { name: 'demo', protocol: 'postgres', labels: { env: 'test' } },
    { name: 'firehose', protocol: 'postgres', labels: {} },
    { name: 'shop', protocol: 'mysql', labels: {} },
  ],
});

/** Echoes each stream back, half-closing when the client does. */
export function echo(stream: Duplex): void {
  stream.pipe(stream);
}

export function startAgent(port: number, cert: Cert, f: Fixtures, opts: Partial<TunnelAgentOptions> = {}): TunnelAgent {
  return startTunnelAgent({
    proxyAddr: `127.0.0.1:${port}`,
    tls: { keyPem: cert.keyPem, certPem: cert.certPem, caPem: f.ca.certPem },
    hello: () => demoHello(),
    onStream: (s: Duplex, _req: DialRequest) => echo(s),
    log: quietLog(),
    backoff: { initialMs: 20, maxMs: 200 },
    ...opts,
  });
}

/** Polls until fn() is truthy; fails with `what` after timeoutMs. */
export async function waitFor<T>(fn: () => T | undefined | false | null, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Writes `payload`, half-closes, and collects everything that comes back until the peer ends. */
export async function roundTrip(stream: Duplex, payload: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    stream.once('end', () => resolve());
    stream.once('error', reject);
  });
  stream.end(payload);
  await ended;
  return Buffer.concat(chunks);
}

export function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: any }> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/**
 * A TCP relay between agent and proxy, standing in for the network: freeze() makes existing
 * connections go silent (a hung host, a dropped NAT mapping), cut() kills them (a crashed
 * agent machine). New connections keep flowing.
 */
export interface Relay {
  port: number;
  freeze(): void;
  cut(): void;
  close(): Promise<void>;
}

export async function startRelay(targetPort: number): Promise<Relay> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  const server = net.createServer((down) => {
    const up = net.connect(targetPort, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [down, up];
    pairs.add(pair);
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
    down.once('close', () => {
      up.destroy();
      pairs.delete(pair);
    });
    up.once('close', () => down.destroy());
    down.pipe(up);
    up.pipe(down);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    freeze() {
      for (const [down, up] of pairs) {
        down.unpipe(up);
        up.unpipe(down);
        down.pause();
        up.pause();
      }
    },
    cut() {
      for (const [down, up] of pairs) {
        down.resetAndDestroy();
        up.resetAndDestroy();
      }
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const [down, up] of pairs) {
        down.destroy();
        up.destroy();
      }
      await closed;
    },
  };
}

/**
 * Things a test started, stopped after each test in reverse order (agents before the proxy
 * they talk to), each one even if another throws. Call once at a test file's top level.
 */
export function cleanupsAfterEach(): (() => Promise<void> | void)[] {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await Promise.resolve().then(c).catch(() => {});
  });
  return cleanups;
}
