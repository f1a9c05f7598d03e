import net from 'node:net';
import { tunnelMysql } from './mysql-tunnel';
import { tunnelPostgres } from './pg-tunnel';
import type { HostPort } from './proxy-addr';
import type { DbCredentials } from './proxy-tls';
import { relay, type Tunnel } from './tunnel';

const TUNNELS: Record<'postgres' | 'mysql', Tunnel> = { postgres: tunnelPostgres, mysql: tunnelMysql };

export interface LocalProxyOptions {
  /** Where to listen; loopback unless asked otherwise, since the tunnel lets in without a password. */
  listen?: { host?: string; port?: number };
  /** The Postern proxy's PostgreSQL (or MySQL) address. */
  target: HostPort;
  /** The database's protocol: which tunnel speaks to the client. */
  protocol: 'postgres' | 'mysql';
  /**
   * Set: the tunnel. Clients speak plain PostgreSQL or MySQL locally and the tunnel makes
   * the TLS connection with these credentials, asked for each connection so that a renewed
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
    const work = credentials ? TUNNELS[opts.protocol](client, { target: opts.target, credentials, hint, track }) : passThrough(client);
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
