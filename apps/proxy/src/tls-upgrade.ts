import type { Socket } from 'node:net';
import tls from 'node:tls';

/**
 * Wraps an accepted socket in TLS as a server, asking for a client certificate that the
 * caller judges itself (so that a missing or bad one gets an error in the protocol's own
 * format rather than a bare handshake failure).
 *
 * TLS runs on the socket's native handle. Bytes already read into JavaScript and put back
 * (unshift) are fed to TLS first: MySQL clients send their ClientHello right behind the
 * SSLRequest, often in the same TCP segment, and PostgreSQL clients with
 * sslnegotiation=direct start with it. Node does that itself (its TLSSocket's initRead
 * hands what the socket holds to the TLS handle before reading more), so such sockets are
 * not wrapped in a JavaScript stream: that had put every byte of the session through two
 * more stream layers in JavaScript, about a fifth of the proxy's CPU under mariadb-slap.
 */
export function upgradeToTlsServer(socket: Socket, secureContext: tls.SecureContext): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext, requestCert: true, rejectUnauthorized: false });
    secure.once('secure', () => resolve(secure));
    secure.once('error', reject);
  });
}
