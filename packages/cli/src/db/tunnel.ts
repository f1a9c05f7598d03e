import type net from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { HostPort } from './proxy-addr';
import type { DbCredentials } from './proxy-tls';

// What the tunnels of `postern proxy db --tunnel` share, whatever the protocol: each takes a
// plain local client through its protocol's login with the Postern proxy, then relays.

/** One local client's tunnel: resolves with a line for the log, or rejects with why it was refused (the client has been told). */
export type Tunnel = (client: net.Socket, ctx: TunnelContext) => Promise<string>;

export interface TunnelContext {
  /** The Postern proxy's port for the protocol. */
  target: HostPort;
  /** Asked for each connection, so that a renewed certificate is used at once. */
  credentials: () => Promise<DbCredentials>;
  /** '' or '; what to check', appended to the errors a client is sent. */
  hint: string;
  /** Registers a socket to be destroyed when the listener closes. */
  track: <S extends net.Socket>(s: S) => S;
}

/** Both directions with backpressure; resolves when both have ended, however they end. */
export async function relay(client: net.Socket, upstream: net.Socket): Promise<string | undefined> {
  const results = await Promise.allSettled([pipeline(client, upstream), pipeline(upstream, client)]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const err = failed?.reason as NodeJS.ErrnoException | undefined;
  // One side closing makes the other's pipeline report a premature close; that is the normal end.
  return err && err.code !== 'ERR_STREAM_PREMATURE_CLOSE' ? err.message : undefined;
}
