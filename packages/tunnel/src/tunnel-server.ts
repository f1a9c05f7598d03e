import { EventEmitter } from 'node:events';
import type { TLSSocket } from 'node:tls';
import { createLogger, type Logger } from '@postern/log';
import type { TunnelError } from './errors';
import { TUNNEL_ALPN } from './protocol';
import { ProxyAgentConnection } from './proxy-connection';
import { refuseTunnel } from './refuse';
import { DEFAULT_HEARTBEAT_MS, DEFAULT_TIMEOUT_MS } from './settings';
import type { AgentCertificate, AgentConnection, TunnelServerOptions } from './types';

export type TunnelServerEvent = 'agent-up' | 'agent-down' | 'agent-updated';

/** How long close() lets connections say goodbye before their sockets are cut. */
const CLOSE_GRACE_MS = 1000;

/**
 * The proxy's registry of agent tunnels. It does not listen itself: the proxy's single TLS
 * port picks tunnels out by ALPN and hands them to accept().
 */
export class TunnelServer {
  private readonly events = new EventEmitter();
  /** The live tunnel per host id; one agent, one tunnel (a newer one replaces the old). */
  private readonly byHost = new Map<string, ProxyAgentConnection>();
  /** Every tunnel not yet closed, including those still waiting for their hello. */
  private readonly connections = new Set<ProxyAgentConnection>();
  private readonly sockets = new Set<TLSSocket>();
  private readonly log: Logger;
  private closing = false;

  constructor(private readonly opts: TunnelServerOptions) {
    this.log = opts.log ?? createLogger('tunnel-server');
  }

  accept(socket: TLSSocket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', (err) => this.log.debug({ err, remote: socket.remoteAddress }, 'tunnel socket error'));
    const refuse = (reason: string): void => {
      this.log.warn({ remote: socket.remoteAddress, reason }, 'refusing agent tunnel');
      refuseTunnel(socket, reason);
    };
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (socket.alpnProtocol !== TUNNEL_ALPN) {
      // Not a tunnel at all: no HTTP/2 to explain anything over.
      this.log.warn({ remote: socket.remoteAddress, alpn: socket.alpnProtocol }, 'not a tunnel connection (wrong ALPN)');
      socket.destroy();
      return;
    }
    if (!socket.authorized) {
      refuse(`the agent's certificate was not verified by TLS (${String(socket.authorizationError ?? 'no certificate')})`);
      return;
    }
    const cert = socket.getPeerCertificate();
    if (!cert || !Buffer.isBuffer(cert.raw)) {
      refuse('the agent presented no certificate');
      return;
    }
    let hostId: string;
    try {
      hostId = this.opts.verifyAgent(cert as AgentCertificate).hostId;
    } catch (err) {
      refuse(`the agent's certificate was refused: ${(err as Error).message}`);
      return;
    }

    const conn = new ProxyAgentConnection(socket, {
      hostId,
      log: this.log,
      heartbeatMs: this.opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
      helloTimeoutMs: this.opts.helloTimeoutMs ?? DEFAULT_TIMEOUT_MS,
      dialTimeoutMs: this.opts.dialTimeoutMs ?? DEFAULT_TIMEOUT_MS,
      hooks: {
        up: (c) => this.onUp(c),
        updated: (c) => this.events.emit('agent-updated', c),
        down: (c, reason) => this.onDown(c, reason),
      },
    });
    this.connections.add(conn);
  }

  /** Healthy agents serving the database, for the caller to pick from (round-robin). */
  agentsFor(database: string): AgentConnection[] {
    return [...this.byHost.values()].filter((c) => c.healthy && c.serves(database));
  }

  agents(): AgentConnection[] {
    return [...this.byHost.values()].filter((c) => c.healthy);
  }

  on(event: TunnelServerEvent, fn: (agent: AgentConnection) => void): void {
    this.events.on(event, fn);
  }

  off(event: TunnelServerEvent, fn: (agent: AgentConnection) => void): void {
    this.events.off(event, fn);
  }

  /**
   * Closes every tunnel of this host, up or still waiting for its hello, telling the agent
   * why; returns how many there were. For a host the cluster no longer trusts (an admin
   * removed it): verifyAgent refuses its new tunnels, this ends those it already has.
   */
  closeHost(hostId: string, reason: string): number {
    let closed = 0;
    for (const conn of [...this.connections]) {
      if (conn.hostId !== hostId) continue;
      conn.close(reason);
      closed++;
    }
    return closed;
  }

  /** Closes every tunnel (agents will reconnect elsewhere) and resolves once their sockets are gone. */
  async close(): Promise<void> {
    this.closing = true;
    for (const conn of [...this.connections]) conn.close('the proxy is shutting down');
    const sockets = [...this.sockets];
    const cut = setTimeout(() => sockets.forEach((s) => s.destroy()), CLOSE_GRACE_MS);
    await Promise.all(sockets.map((s) => (s.closed ? undefined : new Promise((resolve) => s.once('close', resolve)))));
    clearTimeout(cut);
  }

  private onUp(conn: ProxyAgentConnection): void {
    const old = this.byHost.get(conn.hostId);
    this.byHost.set(conn.hostId, conn);
    // The agent reconnected while we still held its previous tunnel (e.g. a half-open TCP
    // connection the heartbeat has not caught yet): the newer one is the one that works.
    if (old && old !== conn) old.close('replaced by a newer tunnel from the same agent');
    this.events.emit('agent-up', conn);
  }

  private onDown(conn: ProxyAgentConnection, reason: TunnelError): void {
    this.connections.delete(conn);
    if (this.byHost.get(conn.hostId) === conn) this.byHost.delete(conn.hostId);
    if (conn.wasUp) {
      this.log.info({ agent: conn.hostId, reason: reason.message }, 'agent down');
      this.events.emit('agent-down', conn);
    }
  }
}
