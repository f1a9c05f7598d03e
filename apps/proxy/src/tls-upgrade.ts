import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';

/**
 * Wraps an accepted socket in TLS as a server, asking for a client certificate that the
 * caller judges itself (so that a missing or bad one gets an error in the protocol's own
 * format rather than a bare handshake failure).
 *
 * Node's TLSSocket over a net.Socket reads from the socket's native handle, so bytes that
 * were already read into JavaScript and put back (unshift) would never reach TLS. MySQL
 * clients send their TLS ClientHello right behind the SSLRequest, often in the same TCP
 * segment, and PostgreSQL clients with sslnegotiation=direct start with it: in those
 * cases the socket is wrapped as a plain stream, which TLS reads through JavaScript.
 */
export function upgradeToTlsServer(socket: Socket, secureContext: tls.SecureContext): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const transport: Socket | Duplex = socket.readableLength > 0 ? Duplex.from({ readable: socket, writable: socket }) : socket;
    const secure = new tls.TLSSocket(transport as Socket, { isServer: true, secureContext, requestCert: true, rejectUnauthorized: false });
    secure.once('secure', () => resolve(secure));
    secure.once('error', reject);
  });
}
