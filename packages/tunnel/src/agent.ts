import { EventEmitter } from 'node:events';
import { createLogger, type Logger } from '@postern/log';
import { parseHostPort } from './address';
import { AgentTunnel } from './agent-tunnel';
import { createBackoff, type Backoff } from './backoff';
import { DEFAULT_HEARTBEAT_MS, DEFAULT_TIMEOUT_MS } from './settings';
import type { TunnelAgent, TunnelAgentEvents, TunnelAgentOptions } from './types';

/**
 * Keeps one tunnel to one proxy up for as long as the agent runs: dials, and after every
 * failure or disconnect dials again after a backoff. Run one per proxy.
 */
class ReconnectingAgent implements TunnelAgent {
  private readonly events = new EventEmitter();
  private readonly log: Logger;
  private readonly backoff: Backoff;
  private readonly host: string;
  private readonly port: number;
  private tunnel: AgentTunnel | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private isConnected = false;
  private failure: string | undefined;

  constructor(private readonly opts: TunnelAgentOptions) {
    ({ host: this.host, port: this.port } = parseHostPort(opts.proxyAddr));
    this.log = (opts.log ?? createLogger('tunnel-agent')).child({ proxy: opts.proxyAddr });
    this.backoff = createBackoff(opts.backoff?.initialMs ?? 250, opts.backoff?.maxMs ?? 15_000);
    this.dial();
  }

  get connected(): boolean {
    return this.isConnected;
  }

  get lastError(): string | undefined {
    return this.failure;
  }

  announce(): void {
    this.tunnel?.announce();
  }

  on<E extends keyof TunnelAgentEvents>(event: E, fn: TunnelAgentEvents[E]): void {
    this.events.on(event, fn);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.tunnel?.close();
  }

  private dial(): void {
    this.timer = undefined;
    if (this.closed) return;
    this.tunnel = new AgentTunnel({
      host: this.host,
      port: this.port,
      tls: this.opts.tls,
      log: this.log,
      heartbeatMs: this.opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
      connectTimeoutMs: this.opts.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS,
      hello: this.opts.hello,
      onStream: this.opts.onStream,
      onConnected: () => {
        this.isConnected = true;
        this.failure = undefined;
        // Only a tunnel the proxy accepted resets the backoff: one that TLS or the proxy's
        // checks refuse right away must not turn into a tight reconnect loop.
        this.backoff.reset();
        this.log.info('tunnel up');
        this.events.emit('connected');
      },
      onClosed: (reason, wasConnected) => this.onClosed(reason, wasConnected),
    });
  }

  private onClosed(reason: string | undefined, wasConnected: boolean): void {
    this.tunnel = undefined;
    this.isConnected = false;
    if (reason !== undefined) {
      // A proxy that stays down would log the same failure every few seconds; say it once.
      if (wasConnected || reason !== this.failure) this.log.warn({ reason }, wasConnected ? 'tunnel down' : 'tunnel failed');
      else this.log.debug({ reason }, 'tunnel failed again');
      this.failure = reason;
    }
    if (wasConnected) this.events.emit('disconnected');
    if (reason !== undefined) this.events.emit('failed', reason, wasConnected);
    if (this.closed) return;
    const delay = this.backoff.next();
    this.log.debug({ delayMs: delay }, 'reconnecting');
    // Deliberately not unref'd: waiting to reconnect is what keeps an agent process alive.
    this.timer = setTimeout(() => this.dial(), delay);
  }
}

/** Dials the proxy and keeps reconnecting until close(). Throws at once on a malformed proxyAddr. */
export function startTunnelAgent(opts: TunnelAgentOptions): TunnelAgent {
  return new ReconnectingAgent(opts);
}
