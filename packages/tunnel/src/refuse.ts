import { connect, constants } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { reasonBytes } from './protocol';
import { TUNNEL_SETTINGS } from './settings';

const REFUSE_GRACE_MS = 1000;

/**
 * Turns an agent away after its TLS handshake succeeded but the proxy will not have it (wrong
 * role, unknown host, …). The reason travels in a GOAWAY so the agent's operator reads in the
 * agent's log why it keeps being dropped, instead of guessing from a bare disconnect.
 */
export function refuseTunnel(socket: TLSSocket, reason: string): void {
  socket.on('error', () => {});
  const session = connect('http://agent.invalid', { createConnection: () => socket, settings: TUNNEL_SETTINGS });
  session.on('error', () => {});
  session.on('connect', () => {
    session.goaway(constants.NGHTTP2_REFUSED_STREAM, 0, reasonBytes(reason));
    // Graceful: the GOAWAY is flushed and the socket ended; the agent closes its side when it
    // reads it. A hard destroy could reset the connection and discard the reason.
    session.close();
  });
  setTimeout(() => socket.destroy(), REFUSE_GRACE_MS).unref();
}
