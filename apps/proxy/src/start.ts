import crypto from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { splitHostPort } from '@postern/config';
import { createLogger } from '@postern/log';
import { reportConnectedAgents } from '@postern/metrics';
import { verifyHostCertificate, type UserIdentity } from '@postern/pki';
import { TUNNEL_ALPN, TunnelServer } from '@postern/tunnel';
import { attachConsole, type ConsoleGate } from './console/upgrade';
import { createHttpForwarder } from './http-forward';
import type { ProxyIdentity } from './identity';
import { CancelRegistry } from './postgres/cancel-registry';
import { serveMysql } from './mysql/serve';
import { servePostgres } from './postgres/serve';
import { RevokedAgents, REVOKED_AGENT_REASON } from './revoked-agents';
import { AgentRouter } from './router';
import { classify, peek } from './sniff';

export interface ProxyOptions {
  listen: string;
  /** MySQL has a port of its own: a MySQL server speaks first, so it cannot share 3080. */
  mysqlListen?: string;
  /** The greeting's version when agents report none (or several differing ones). */
  defaultMysqlVersion?: string;
  clusterName: string;
  identity: ProxyIdentity;
  /** The web app (UI + Auth Service API) that HTTPS is forwarded to. */
  webUrl: string;
  reachable(identity: UserIdentity): Promise<string[]>;
  /** The browser console's WebSocket (apps/proxy/src/console); without it the path is forwarded like any other. */
  console?: ConsoleGate;
  /** Host ids of agents an admin removed: their tunnels are refused and closed (see revoked-agents.ts). */
  revokedAgents?: () => Promise<string[]>;
  /** How often revokedAgents is asked; default REVOKED_AGENTS_POLL_MS. */
  revokedAgentsPollMs?: number;
}

export interface RunningProxy {
  address: string;
  mysqlAddress?: string;
  tunnels: TunnelServer;
  close(): Promise<void>;
}

export class ProxyStartError extends Error {
  override name = 'ProxyStartError';
}

/**
 * A context for TLS that asks for a client certificate. tls.Server sets a session id
 * context by itself; a bare context does not, and then OpenSSL fails every resumed
 * session with an 'internal error' alert (mysql2 resumes; libpq does not).
 */
function clientCertContext(opts: tls.SecureContextOptions, id: string): tls.SecureContext {
  const ctx = tls.createSecureContext(opts);
  (ctx as unknown as { context: { setSessionIdContext(id: string): void } }).context.setSessionIdContext(id);
  return ctx;
}

/** What the greeting says until an agent reports its database's own version. */
export const DEFAULT_MYSQL_VERSION = '8.0.36-postern';

/**
 * The greeting comes before the client names its database, so it carries the version of
 * the MySQL databases the agents report when they agree (the usual case: one database,
 * or one fleet); JDBC and GUI clients pick features by it.
 */
function mysqlGreetingVersion(tunnels: TunnelServer, fallback: string): string {
  const versions = new Set<string>();
  for (const agent of tunnels.agents()) {
    for (const db of agent.hello.databases) if (db.protocol === 'mysql' && db.serverVersion) versions.add(db.serverVersion);
  }
  return versions.size === 1 ? [...versions][0]! : fallback;
}

async function listen(server: net.Server, addr: string, key: string): Promise<string> {
  const { host, port } = splitHostPort(addr);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? `the address is already in use (is another postern running? change ${key})` : err.message;
      reject(new ProxyStartError(`proxy: cannot listen on ${addr}: ${why}`));
    });
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as net.AddressInfo;
  return `${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
}

/**
 * The one public port: PostgreSQL clients (recognised by their startup packet, then TLS),
 * agents' reverse tunnels (TLS, ALPN postern-tunnel/1) and HTTPS (TLS, forwarded to web).
 */
export async function startProxy(opts: ProxyOptions): Promise<RunningProxy> {
  const log = createLogger('proxy');
  const { identity } = opts;
  const serverTls = { key: identity.keyPem, cert: identity.certPem };
  let revoked: RevokedAgents | undefined;
  const tunnels = new TunnelServer({
    log,
    verifyAgent: (cert) => {
      const host = verifyHostCertificate(cert.raw, { trusted: identity.ca.host, clusterName: opts.clusterName, role: 'agent' });
      if (revoked?.has(host.hostId)) throw new Error(REVOKED_AGENT_REASON);
      return { hostId: host.hostId };
    },
  });
  if (opts.revokedAgents) {
    revoked = new RevokedAgents({ list: opts.revokedAgents, tunnels, log, ...(opts.revokedAgentsPollMs ? { intervalMs: opts.revokedAgentsPollMs } : {}) });
    await revoked.start();
  }
  // Agents present Host CA certificates; browsers none. TLS asks for a certificate but the
  // tunnel verifies it itself, so that HTTPS works without one.
  const outerTls = tls.createServer({
    ...serverTls,
    ca: identity.ca.host,
    requestCert: true,
    rejectUnauthorized: false,
    ALPNProtocols: [TUNNEL_ALPN, 'http/1.1'],
  });
  // No session tickets on the PostgreSQL port: PostgreSQL itself offers no resumption
  // (libpq makes a new TLS context per connection and could not resume anyway), and each
  // TLS 1.3 ticket cost a copy of the session with its client certificate, twice per
  // connection, about a twentieth of the proxy's CPU under pgbench -C. MySQL servers do
  // resume (and mysql2 does), so the MySQL port keeps its tickets.
  const postgresContext = clientCertContext({ ...serverTls, ca: identity.ca.user, secureOptions: crypto.constants.SSL_OP_NO_TICKET }, 'postern-db');
  const mysqlContext = clientCertContext({ ...serverTls, ca: identity.ca.user }, 'postern-db');
  const http = createHttpForwarder(opts.webUrl, log);
  outerTls.on('secureConnection', (secure: tls.TLSSocket) => {
    if (secure.alpnProtocol === TUNNEL_ALPN) tunnels.accept(secure);
    else http.emit('connection', secure);
  });
  outerTls.on('tlsClientError', (_err, s) => s.destroy());
  const router = new AgentRouter(tunnels);
  const cancels = new CancelRegistry();
  const pgDeps = { secureContext: postgresContext, userCas: identity.ca.user, clusterName: opts.clusterName, tunnels, router, cancels, reachable: opts.reachable, log };
  if (opts.console) attachConsole(http, opts.webUrl, { userCas: identity.ca.user, clusterName: opts.clusterName, tunnels, router, reachable: opts.reachable, gate: opts.console, log });

  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
  };
  const server = net.createServer((socket) => {
    track(socket);
    void route(socket);
  });
  const mysqlDeps = { ...pgDeps, secureContext: mysqlContext, serverVersion: () => mysqlGreetingVersion(tunnels, opts.defaultMysqlVersion ?? DEFAULT_MYSQL_VERSION) };
  const mysqlServer = net.createServer((socket) => {
    track(socket);
    void serveMysql(socket, mysqlDeps).catch((err: unknown) => {
      log.warn({ err: (err as Error).message }, 'mysql client failed');
      socket.destroy();
    });
  });

  async function route(socket: net.Socket): Promise<void> {
    const head = await peek(socket, 8, 10_000);
    if (!head) return void socket.destroy();
    const kind = classify(head).kind;
    if (kind === 'postgres') {
      socket.resume();
      await servePostgres(socket, pgDeps).catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, 'postgres client failed');
        socket.destroy();
      });
      return;
    }
    if (kind === 'tls') {
      // A tls.Server (not a bare TLSSocket) so that Node checks the client certificate
      // against the Host CA and sets `authorized`, which the tunnel relies on.
      outerTls.emit('connection', socket);
      socket.resume();
      return;
    }
    if (kind === 'http') {
      socket.end('HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nThis port speaks HTTPS: use https://\n');
      return;
    }
    socket.destroy();
  }

  let address: string;
  let mysqlAddress: string | undefined;
  try {
    address = await listen(server, opts.listen, 'proxy.listen');
    if (opts.mysqlListen) mysqlAddress = await listen(mysqlServer, opts.mysqlListen, 'proxy.mysql_listen');
  } catch (err) {
    revoked?.stop();
    if (server.listening) server.close();
    throw err;
  }
  log.info({ address, mysqlAddress }, 'proxy listening');
  const stopReporting = reportConnectedAgents(() => tunnels.agents().length);
  return {
    address,
    ...(mysqlAddress ? { mysqlAddress } : {}),
    tunnels,
    async close() {
      revoked?.stop();
      stopReporting();
      await Promise.all(
        [server, mysqlServer].map(
          (srv) =>
            new Promise<void>((resolve) => {
              if (!srv.listening) return resolve();
              srv.close(() => resolve());
            }),
        ),
      );
      // Tunnels first: destroying their raw sockets under a live HTTP/2 session is what
      // trips Node 20's nghttp2 (see packages/tunnel/src/abort.ts).
      await tunnels.close();
      for (const s of sockets) s.destroy();
    },
  };
}
