import type { PeerCertificate } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Logger } from '@postern/log';

export type TunnelProtocol = 'postgres' | 'mysql';

/** What the proxy asks an agent for when it carries one client connection to it. */
export interface DialRequest {
  database: string;
  protocol: TunnelProtocol;
  /** Opaque JSON-able metadata: client cert DER (base64), client address, startup parameters … */
  meta: Record<string, unknown>;
}

export interface AgentDatabase {
  name: string;
  protocol: TunnelProtocol;
  labels: Record<string, string>;
  /** The server's own version string (MySQL: from its greeting), for the proxy's greeting. */
  serverVersion?: string;
}

/** What an agent tells a proxy about itself, on connect and whenever it calls announce(). */
export interface AgentHello {
  hostId: string;
  name: string;
  version: string;
  databases: AgentDatabase[];
}

export interface TunnelAgentOptions {
  /** host:port of one proxy ("[::1]:3080" for IPv6). */
  proxyAddr: string;
  tls: {
    keyPem: string;
    certPem: string;
    /** Host CA: the proxy's certificate must chain to it and carry the proxy role. */
    caPem: string;
    /** Name the proxy's certificate must carry; defaults to the host of proxyAddr. */
    servername?: string;
  };
  hello(): AgentHello;
  /** A client connection carried to this agent; the handler owns the stream. Throwing refuses the dial with the message. */
  onStream(stream: Duplex, req: DialRequest): void;
  log?: Logger;
  /** Exponential with full jitter; defaults 250 ms and 15 s. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** HTTP/2 PING interval, default 5000; no answer within two intervals means the tunnel is dead. */
  heartbeatMs?: number;
  /** TCP connect + TLS handshake + the proxy's first request must finish within this; default 10 s. */
  connectTimeoutMs?: number;
}

export interface TunnelAgent {
  /** True while a proxy has accepted this agent (it asked for the hello) and the tunnel is up. */
  readonly connected: boolean;
  /** Why the last tunnel failed or was refused, for status pages; undefined while none has failed. */
  readonly lastError: string | undefined;
  /** Sends a fresh hello() to the proxy, e.g. after the database list changed. */
  announce(): void;
  close(): Promise<void>;
  on<E extends keyof TunnelAgentEvents>(event: E, fn: TunnelAgentEvents[E]): void;
}

export interface TunnelAgentEvents {
  /** A proxy accepted this agent: the tunnel is up. */
  connected: () => void;
  /** A tunnel that was up went down (it dials again after a backoff). */
  disconnected: () => void;
  /**
   * A tunnel attempt ended other than by close(): refused (TLS, the proxy's checks), closed by
   * the proxy (its GOAWAY reason is in `reason`), or the network. Fires on every attempt, also
   * when the same reason repeats, so the owner can act on what the proxy said.
   */
  failed: (reason: string, wasConnected: boolean) => void;
}

export type AgentCertificate = PeerCertificate & { raw: Buffer };

export interface TunnelServerOptions {
  log?: Logger;
  /** HTTP/2 PING interval, default 5000; no answer within two intervals means the agent is gone. */
  heartbeatMs?: number;
  /** How long an accepted agent has to send its hello; default 10 s. */
  helloTimeoutMs?: number;
  /** How long dial() waits for the agent's answer; default 10 s. */
  dialTimeoutMs?: number;
  /** Throws to refuse the agent; the proxy checks the Host CA chain and role=agent with @postern/pki. */
  verifyAgent(cert: AgentCertificate): { hostId: string };
}

export interface AgentConnection {
  /** From the agent's certificate (the hello must agree). */
  readonly hostId: string;
  readonly hello: AgentHello;
  readonly connectedAt: Date;
  readonly openStreams: number;
  /** Rejects with TunnelError 'dial_failed' (refused, timed out) or 'agent_gone'. */
  dial(req: DialRequest): Promise<Duplex>;
  close(): void;
}
