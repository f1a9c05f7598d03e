import type { TLSSocket } from 'node:tls';

/**
 * Makes tls.connect's check of the server's name cheaper; call right after tls.connect().
 *
 * Node checks the name by handing checkServerIdentity the server's certificate with its
 * whole chain as JS objects, `getPeerCertificate(true)`: every certificate of the chain is
 * copied (OpenSSL 3 decodes its public key again, slowly) and turned into an object. The
 * check reads only the leaf's names (subject alternative names, else the subject's CN),
 * which the leaf's own object has (`getPeerCertificate(false)`, no copies). With a server
 * that sends its CA along, the detailed form took about 300 µs here and the leaf's 50 µs;
 * for the agent's connections to PostgreSQL (no session resumption) that was about a
 * twentieth of its CPU per new connection under pgbench -C.
 *
 * So the socket answers that one call with the leaf only. The check itself is Node's,
 * unchanged, and so are its errors; the chain was verified against the CA by OpenSSL
 * before, as always. (Not `getPeerX509Certificate()`: on a client socket Node 20 takes the
 * leaf out of OpenSSL's peer chain to build it, and copies the issuer as well.)
 */
export function checkServerNameCheaply(socket: TLSSocket): void {
  const own = socket.getPeerCertificate;
  socket.getPeerCertificate = function leafOnly() {
    // Once: Node asks a single time, right before checkServerIdentity; any later caller gets the real method.
    socket.getPeerCertificate = own;
    return own.call(socket, false);
  } as TLSSocket['getPeerCertificate'];
}
