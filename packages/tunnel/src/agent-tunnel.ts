import { constants, createServer, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Logger } from '@postern/log';
import { abortStream } from './abort';
import { answerError, handleDial } from './agent-streams';
import { TunnelError } from './errors';
import { startHeartbeat } from './heartbeat';
import { DIAL_PATH, HELLO_PATH, reasonBytes, TUNNEL_ALPN } from './protocol';
import { CONNECTION_WINDOW_BYTES, MAX_SESSION_MEMORY_MB, TUNNEL_SETTINGS } from './settings';
import type { AgentHello, DialRequest, TunnelAgentOptions } from './types';
import { verifyProxyCertificate } from './verify-proxy';

export interface AgentTunnelOptions {
  host: string;
  port: number;
  tls: TunnelAgentOptions['tls'];
  log: Logger;
  heartbeatMs: number;
  connectTimeoutMs: number;
  hello(): AgentHello;
  onStream(stream: Duplex, req: DialRequest): void;
  /** The proxy accepted this agent (it asked for the hello). */
  onConnected(): void;
  /** Called once when this attempt is over; reason is undefined only after close(). */
  onClosed(reason: string | undefined, wasConnected: boolean): void;
}

/**
 * One attempt at a tunnel: TLS out to the proxy, then HTTP/2 with this side as the SERVER,
 * because the proxy opens the streams (see protocol.ts). Never retries; the agent does.
 */
export class AgentTunnel {
  private readonly socket: TLSSocket;
  private session: Http2Session | undefined;
  private readonly helloStreams = new Set<ServerHttp2Stream>();
  /** Dial streams, so close() can cut them; their handlers own them otherwise. */
  private readonly streams = new Set<ServerHttp2Stream>();
  private announced: AgentHello | undefined;
  private connected = false;
  private finished = false;
  private closing = false;
  private failure: string | undefined;
  private stopHeartbeat: () => void = () => {};
  private readonly connectTimer: NodeJS.Timeout;
  private readonly closedPromise: Promise<void>;

  constructor(private readonly opts: AgentTunnelOptions) {
    const where = `${opts.host}:${opts.port}`;
    this.socket = tlsConnect({
      host: opts.host,
      port: opts.port,
      key: opts.tls.keyPem,
      cert: opts.tls.certPem,
      ca: opts.tls.caPem,
      servername: opts.tls.servername,
      ALPNProtocols: [TUNNEL_ALPN],
      minVersion: 'TLSv1.2',
    });
    this.closedPromise = new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.connectTimer = setTimeout(() => this.fail(`the proxy at ${where} did not accept the tunnel within ${opts.connectTimeoutMs} ms`), opts.connectTimeoutMs);
    this.socket.on('error', (err) => this.fail(`the tunnel to ${where} failed: ${err.message}`));
    this.socket.once('close', () => this.finish());
    this.socket.once('secureConnect', () => this.onSecure(where));
  }

  /** Sends a fresh hello to the proxy now. */
  announce(): void {
    if (this.helloStreams.size === 0) return;
    const line = this.helloLine();
    if (line === undefined) return;
    for (const stream of this.helloStreams) stream.write(line);
  }

  /** Says goodbye to the proxy and closes; resolves when the socket is gone. */
  close(): Promise<void> {
    this.closing = true;
    const session = this.session;
    if (session && !session.destroyed) {
      try {
        session.goaway(constants.NGHTTP2_NO_ERROR, 0, reasonBytes('the agent is shutting down'));
      } catch {
        // Not connected yet: nothing to tell.
      }
      this.abortStreams('the agent is shutting down');
      // Graceful, so the GOAWAY with its reason is flushed and the socket ends cleanly; a
      // hard destroy can turn into a TCP reset that discards it at the proxy.
      session.close();
    } else {
      this.socket.destroy();
    }
    const cut = setTimeout(() => this.socket.destroy(), 1000);
    cut.unref();
    return this.closedPromise.finally(() => clearTimeout(cut));
  }

  private onSecure(where: string): void {
    const socket = this.socket;
    if (socket.alpnProtocol !== TUNNEL_ALPN) {
      this.fail(`the server at ${where} does not speak ${TUNNEL_ALPN} (ALPN ${String(socket.alpnProtocol)}); is it a Postern proxy of this version?`);
      return;
    }
    try {
      verifyProxyCertificate(socket, this.opts.tls.caPem);
    } catch (err) {
      this.fail((err as Error).message);
      return;
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true, this.opts.heartbeatMs);
    // With TLS 1.3 the proxy checks our certificate after we consider the handshake done. Once
    // HTTP/2 owns the socket a refusal alert would surface only as a bare close, so wait for
    // the proxy's first bytes (its HTTP/2 preface, or the alert as an 'error' that says why).
    // HTTP/2 picks up the bytes already buffered.
    socket.once('readable', () => this.startSession(where));
  }

  private startSession(where: string): void {
    const socket = this.socket;
    if (this.finished || socket.destroyed) return;
    if (socket.readableLength === 0) {
      // End of stream before a single byte: Node's TLS server drops a client certificate it
      // does not trust without an alert, so this is the most likely reason.
      this.fail(
        `the proxy at ${where} closed the connection right after the TLS handshake; it most likely does not accept this agent's certificate (expired, revoked, or not issued by this cluster's Host CA)`,
      );
      return;
    }
    // A plain (not secure) HTTP/2 server: TLS is already done underneath. It never listens;
    // it only turns this one socket into a server session.
    const server = createServer({ settings: TUNNEL_SETTINGS, maxSessionMemory: MAX_SESSION_MEMORY_MB });
    server.once('session', (session) => {
      this.session = session;
    });
    server.emit('connection', socket);
    const session = this.session as Http2Session | undefined;
    if (!session) {
      this.fail('could not start HTTP/2 on the tunnel');
      return;
    }
    session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
    session.on('error', (err) => this.fail(`the tunnel to ${where} failed: ${err.message}`));
    session.on('goaway', (code, _last, data) => {
      const why = data && data.length > 0 ? data.toString('utf8') : `code ${code}`;
      this.fail(`the proxy at ${where} closed the tunnel: ${why}`);
    });
    session.on('close', () => socket.destroy());
    session.on('stream', (stream, headers) => this.onStream(stream, headers));
    this.stopHeartbeat = startHeartbeat(session, this.opts.heartbeatMs, (silentMs) =>
      this.fail(`the proxy at ${where} did not answer a heartbeat for ${silentMs} ms`),
    );
  }

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    // Streams are aborted with an error when the tunnel goes; none may be without a listener.
    stream.on('error', (err) => this.opts.log.debug({ err, stream: stream.id }, 'tunnel stream error'));
    const method = headers[':method'];
    const path = headers[':path'];
    if (method === 'GET' && path === HELLO_PATH) {
      this.onHelloRequest(stream);
    } else if (method === 'POST' && path === DIAL_PATH) {
      this.streams.add(stream);
      stream.once('close', () => this.streams.delete(stream));
      handleDial(stream, headers, this.announced, this.opts.onStream, this.opts.log);
    } else {
      answerError(stream, 404, `no such tunnel request: ${String(method)} ${String(path)}`);
    }
  }

  private onHelloRequest(stream: ServerHttp2Stream): void {
    const line = this.helloLine();
    if (line === undefined) {
      answerError(stream, 503, 'the agent could not describe itself');
      return;
    }
    stream.respond({ ':status': 200, 'content-type': 'application/x-ndjson' });
    stream.write(line);
    this.helloStreams.add(stream);
    stream.once('close', () => this.helloStreams.delete(stream));
    if (!this.connected) {
      this.connected = true;
      clearTimeout(this.connectTimer);
      this.opts.onConnected();
    }
  }

  private helloLine(): string | undefined {
    try {
      this.announced = this.opts.hello();
      return `${JSON.stringify(this.announced)}\n`;
    } catch (err) {
      this.opts.log.error({ err }, 'hello() threw; the proxy keeps the previous hello');
      return undefined;
    }
  }

  /**
   * Records the first reason this attempt failed and cuts it. Handlers' streams end with a
   * TunnelError carrying that reason; socket errors land here before HTTP/2 would pass them
   * on as a bare ECONNRESET.
   */
  private fail(reason: string): void {
    if (this.finished) return;
    if (!this.closing) this.failure ??= reason;
    this.abortStreams(this.failure ?? reason);
    this.socket.destroy();
  }

  private abortStreams(reason: string): void {
    const gone = new TunnelError('proxy_gone', reason);
    for (const stream of [...this.streams, ...this.helloStreams]) abortStream(stream, gone);
  }

  /**
   * Runs on the socket's 'close', registered before HTTP/2 took the socket so it runs first:
   * the handlers' streams then end with an error that says what happened, where Node would
   * otherwise cancel them silently.
   */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.connectTimer);
    this.stopHeartbeat();
    const reason = this.closing ? undefined : (this.failure ?? `the tunnel to ${this.opts.host}:${this.opts.port} closed`);
    this.abortStreams(reason ?? 'the agent is shutting down');
    this.session?.destroy();
    this.opts.onClosed(reason, this.connected);
  }
}
