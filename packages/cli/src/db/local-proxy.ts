import net from 'node:net';
import { pipeline } from 'node:stream/promises';
import { errorResponse, readFirstMessage } from './pg-wire';
import type { HostPort } from './proxy-addr';
import { connectProxyTls, nextChunk, type DbCredentials } from './proxy-tls';
import { describeTlsError } from './tls-errors';

export interface LocalProxyOptions {
  /** Where to listen; loopback unless asked otherwise, since the tunnel lets in without a password. */
  listen?: { host?: string; port?: number };
  /** The Postern proxy's PostgreSQL (or MySQL) address. */
  target: HostPort;
  /**
   * Set: the tunnel. Clients speak plain PostgreSQL locally and the tunnel makes the TLS
   * connection with these credentials, asked for each connection so that a renewed
   * certificate is used at once. Unset: bytes pass through; the client does TLS itself.
   */
  credentials?: () => Promise<DbCredentials>;
  /** Appended to the errors a client is sent, e.g. how to get a fresh certificate. */
  hint?: string;
  /** One line per connection, when it ends. */
  log: (line: string) => void;
}

export interface LocalProxy {
  host: string;
  port: number;
  close(): Promise<void>;
}

function size(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} kB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Both directions with backpressure; resolves when both have ended, however they end. */
async function relay(client: net.Socket, upstream: net.Socket): Promise<string | undefined> {
  const results = await Promise.allSettled([pipeline(client, upstream), pipeline(upstream, client)]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const err = failed?.reason as NodeJS.ErrnoException | undefined;
  // One side closing makes the other's pipeline report a premature close; that is the normal end.
  return err && err.code !== 'ERR_STREAM_PREMATURE_CLOSE' ? err.message : undefined;
}

/** Sends the client an error it shows to its user, then closes. */
function refuse(client: net.Socket, message: string): void {
  if (!client.destroyed) client.end(errorResponse(message));
}

export async function startLocalProxy(opts: LocalProxyOptions): Promise<LocalProxy> {
  const sockets = new Set<net.Socket>();
  const track = <S extends net.Socket>(s: S): S => {
    sockets.add(s);
    // Errors end the connection and are reported once, by the handler; without a listener
    // a reset from either side would crash the process.
    s.on('error', () => {});
    s.once('close', () => sockets.delete(s));
    return s;
  };
  const hint = opts.hint ? `; ${opts.hint}` : '';

  async function tunnel(client: net.Socket, credentials: () => Promise<DbCredentials>): Promise<string> {
    const first = await readFirstMessage(client);
    let upstream: net.Socket;
    try {
      upstream = track(await connectProxyTls(opts.target, await credentials()));
    } catch (err) {
      if (first.kind === 'startup') refuse(client, `postern: ${(err as Error).message}${hint}`);
      else client.destroy();
      throw err;
    }
    if (first.kind === 'cancel') {
      // A cancel gets no answer; the server acts on it and closes.
      upstream.end(first.bytes);
      await new Promise((resolve) => {
        upstream.once('close', resolve);
        setTimeout(resolve, 5_000).unref();
      });
      upstream.destroy();
      client.end();
      return 'cancel request forwarded';
    }
    upstream.write(first.bytes);
    let answer: Buffer;
    try {
      // Until the proxy answers, a failure is explained to the client; after, the
      // proxy's own messages (PostgreSQL's, passed through) say what happened.
      answer = await nextChunk(upstream);
    } catch (err) {
      const why = describeTlsError(err as Error);
      refuse(client, `postern: the Postern proxy at ${opts.target.host}:${opts.target.port} ended the connection: ${why}${hint}`);
      upstream.destroy();
      throw new Error(`the proxy ended the connection: ${why}`);
    }
    client.write(answer);
    const { user = '?', database = user } = first.params;
    const broken = await relay(client, upstream);
    return `session as ${user} to ${database}${broken ? ` ended: ${broken}` : ''}`;
  }

  async function passThrough(client: net.Socket): Promise<string> {
    const upstream = track(net.connect({ host: opts.target.host, port: opts.target.port }));
    try {
      await new Promise<void>((resolve, reject) => {
        upstream.once('connect', resolve);
        upstream.once('error', reject);
      });
    } catch (err) {
      client.destroy();
      throw new Error(`cannot reach the Postern proxy at ${opts.target.host}:${opts.target.port}: ${(err as Error).message}`);
    }
    const broken = await relay(client, upstream);
    return broken ? `relayed, ended: ${broken}` : 'relayed';
  }

  let seq = 0;
  const server = net.createServer((client) => {
    const id = ++seq;
    const started = Date.now();
    const from = `${client.remoteAddress}:${client.remotePort}`;
    track(client);
    const credentials = opts.credentials;
    const work = credentials ? tunnel(client, credentials) : passThrough(client);
    work.then(
      (what) => {
        const secs = ((Date.now() - started) / 1000).toFixed(1);
        opts.log(`#${id} ${from}: ${what} (${secs} s, ${size(client.bytesRead)} in, ${size(client.bytesWritten)} out)`);
      },
      (err: Error) => {
        client.destroy();
        opts.log(`#${id} ${from}: refused: ${err.message}`);
      },
    );
  });

  const host = opts.listen?.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: opts.listen?.port ?? 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    host,
    port: address.port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      })),
  };
}
