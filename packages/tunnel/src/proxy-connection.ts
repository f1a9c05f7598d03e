import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '@postern/log';
import { abortStream } from './abort';
import { TunnelError } from './errors';
import { startHeartbeat } from './heartbeat';
import { onLines } from './lines';
import { HELLO_PATH, MAX_HELLO_LINE_BYTES, parseHello, reasonBytes } from './protocol';
import { openDialStream } from './proxy-dial';
import { CONNECTION_WINDOW_BYTES, MAX_SESSION_MEMORY_MB, TUNNEL_SETTINGS } from './settings';
import type { AgentConnection, AgentHello, DialRequest } from './types';

export interface ProxyConnectionHooks {
  /** The first hello arrived: the agent is usable. */
  up(conn: ProxyAgentConnection): void;
  /** A later hello (the agent called announce()). */
  updated(conn: ProxyAgentConnection): void;
  /** Called once, whether or not the agent ever came up. */
  down(conn: ProxyAgentConnection, reason: TunnelError): void;
}

export interface ProxyConnectionOptions {
  hostId: string;
  log: Logger;
  heartbeatMs: number;
  helloTimeoutMs: number;
  dialTimeoutMs: number;
  hooks: ProxyConnectionHooks;
}

/** How long a GOAWAY with its reason gets to leave before the socket is cut. */
const GOAWAY_GRACE_MS = 1000;

/**
 * The proxy's side of one agent's tunnel: the HTTP/2 client over the agent's accepted TLS
 * socket. It asks for the hello, opens a stream per dial, and watches the heartbeat.
 */
export class ProxyAgentConnection implements AgentConnection {
  readonly hostId: string;
  readonly connectedAt = new Date();
  /** Resolves once the socket has closed, whatever the cause. */
  readonly closed: Promise<void>;
  private current: AgentHello | undefined;
  private down = false;
  private readonly streams = new Set<ClientHttp2Stream>();
  private readonly session: ClientHttp2Session;
  private readonly log: Logger;
  private stopHeartbeat: () => void = () => {};
  private readonly helloTimer: NodeJS.Timeout;
  private helloStream: ClientHttp2Stream | undefined;

  constructor(
    private readonly socket: TLSSocket,
    private readonly opts: ProxyConnectionOptions,
  ) {
    this.hostId = opts.hostId;
    this.log = opts.log.child({ agent: opts.hostId, remote: socket.remoteAddress });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    // Registered before HTTP/2 takes the socket, so they run first: streams then end with a
    // TunnelError that says what happened, where Node would cancel them silently (close) or
    // pass on a bare ECONNRESET (error).
    socket.once('close', () => this.markDown(new TunnelError('agent_gone', `the tunnel to agent ${this.hostId} closed`)));
    socket.on('error', (err) =>
      this.markDown(new TunnelError('agent_gone', `the tunnel to agent ${this.hostId} failed: ${err.message}`, { cause: err })),
    );
    socket.setNoDelay(true);
    socket.setKeepAlive(true, opts.heartbeatMs);

    // Reversed roles: the agent dialled us, but we open the streams, so we are the HTTP/2 client.
    this.session = connect('http://agent.invalid', {
      createConnection: () => socket,
      settings: TUNNEL_SETTINGS,
      maxSessionMemory: MAX_SESSION_MEMORY_MB,
    });
    this.session.on('error', (err) => this.log.debug({ err }, 'tunnel session error'));
    this.session.on('goaway', (code, _last, data) => {
      const why = data && data.length > 0 ? data.toString('utf8') : `code ${code}`;
      this.log.info({ reason: why }, 'agent closed its tunnel');
      this.markDown(new TunnelError('agent_gone', `agent ${this.hostId} closed its tunnel: ${why}`));
    });
    this.session.on('close', () => {
      this.markDown(new TunnelError('agent_gone', `the tunnel to agent ${this.hostId} closed`));
      socket.destroy();
    });
    this.session.on('connect', () => {
      this.session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
      this.stopHeartbeat = startHeartbeat(this.session, opts.heartbeatMs, (silentMs) =>
        this.fail(new TunnelError('heartbeat_timeout', `agent ${this.hostId} did not answer a heartbeat for ${silentMs} ms`)),
      );
      this.requestHello();
    });
    this.helloTimer = setTimeout(
      () => this.fail(new TunnelError('protocol_error', `agent ${this.hostId} sent no hello within ${opts.helloTimeoutMs} ms`)),
      opts.helloTimeoutMs,
    );
    this.helloTimer.unref();
  }

  get hello(): AgentHello {
    if (!this.current) throw new TunnelError('agent_gone', `agent ${this.hostId} has not said hello yet`);
    return this.current;
  }

  get openStreams(): number {
    return this.streams.size;
  }

  /** Up, said hello, and neither side has started closing: fit for new dials. */
  get healthy(): boolean {
    return !this.down && this.current !== undefined && !this.session.closed && !this.session.destroyed;
  }

  /** Up at some point: an 'agent-down' is owed when it goes. */
  get wasUp(): boolean {
    return this.current !== undefined;
  }

  serves(database: string): boolean {
    return this.current?.databases.some((db) => db.name === database) ?? false;
  }

  async dial(req: DialRequest): Promise<Duplex> {
    if (!this.healthy) throw new TunnelError('agent_gone', `the tunnel to agent ${this.hostId} is not up`);
    return openDialStream(this.session, req, {
      hostId: this.hostId,
      timeoutMs: this.opts.dialTimeoutMs,
      track: (stream) => {
        this.streams.add(stream);
        stream.once('close', () => this.streams.delete(stream));
        // One client's stream failing must never crash the proxy, even if its consumer forgot
        // an 'error' listener; consumers that attach their own still see every error.
        stream.on('error', (err) => this.log.debug({ err, stream: stream.id }, 'tunnel stream error'));
      },
    });
  }

  close(reason = 'closed by the proxy'): void {
    this.log.info({ reason }, 'closing agent tunnel');
    this.markDown(new TunnelError('agent_gone', `the tunnel to agent ${this.hostId} was closed: ${reason}`));
    this.sayGoodbye(constants.NGHTTP2_NO_ERROR, reason);
  }

  /**
   * GOAWAY with the reason, then a graceful close so it is flushed and the socket ends cleanly
   * (a hard destroy can become a TCP reset that discards it). The socket is cut after a grace
   * period in case the agent never closes its side.
   */
  private sayGoodbye(code: number, reason: string): void {
    // Once the socket is gone there is no one to tell, and HTTP/2 cleans up on its 'close'.
    if (this.socket.destroyed) return;
    if (!this.session.destroyed) {
      try {
        this.session.goaway(code, 0, reasonBytes(reason));
      } catch {
        // Not connected yet: there is no one to tell.
      }
      this.helloStream?.close(constants.NGHTTP2_CANCEL);
      this.session.close();
    }
    setTimeout(() => this.socket.destroy(), GOAWAY_GRACE_MS).unref();
  }

  private requestHello(): void {
    const stream = this.session.request({ ':method': 'GET', ':path': HELLO_PATH }, { endStream: true });
    this.helloStream = stream;
    stream.on('error', (err) => this.fail(new TunnelError('agent_gone', `the hello stream of agent ${this.hostId} failed: ${err.message}`)));
    stream.on('close', () => this.fail(new TunnelError('agent_gone', `agent ${this.hostId} ended its hello stream`)));
    stream.on('response', (headers) => {
      const status = headers[':status'];
      if (status !== 200) this.fail(new TunnelError('protocol_error', `agent ${this.hostId} answered the hello request with status ${status}`));
    });
    onLines(
      stream,
      MAX_HELLO_LINE_BYTES,
      (line) => this.onHello(line),
      (err) => this.fail(err instanceof TunnelError ? err : new TunnelError('protocol_error', err.message)),
    );
  }

  private onHello(line: string): void {
    if (this.down) return;
    const hello = parseHello(line);
    // The certificate is the identity; a hello that names another host is a misconfiguration
    // (or a copied certificate) and would route clients to the wrong place.
    if (hello.hostId !== this.hostId) {
      throw new TunnelError('refused', `the agent's hello names host ${hello.hostId} but its certificate is for ${this.hostId}`);
    }
    const first = this.current === undefined;
    this.current = hello;
    if (first) {
      clearTimeout(this.helloTimer);
      this.log.info({ name: hello.name, version: hello.version, databases: hello.databases.length }, 'agent up');
      this.opts.hooks.up(this);
    } else {
      this.log.debug({ databases: hello.databases.length }, 'agent updated');
      this.opts.hooks.updated(this);
    }
  }

  /** Something is wrong with the tunnel itself: tell the agent why (best effort) and cut it. */
  private fail(err: TunnelError): void {
    if (this.down) return;
    this.log.warn({ code: err.code, reason: err.message }, 'dropping agent tunnel');
    this.markDown(err);
    if (err.code === 'heartbeat_timeout') {
      // A frozen peer reads nothing: do not wait for it.
      this.session.destroy(err);
      this.socket.destroy();
      return;
    }
    this.sayGoodbye(constants.NGHTTP2_PROTOCOL_ERROR, err.message);
  }

  private markDown(reason: TunnelError): void {
    if (this.down) return;
    this.down = true;
    clearTimeout(this.helloTimer);
    this.stopHeartbeat();
    for (const stream of this.streams) abortStream(stream, reason);
    this.opts.hooks.down(this, reason);
  }
}
