import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';

/**
 * The proxy's TLS upgrade in tests: a server-side TLSSocket over the raw connection,
 * resolved once secure. `alpn` is what the server side offers, when the protocol has a name.
 */
export function tlsUpgrader(server: { certPem: string; keyPem: string }, alpn?: string[]): (socket: Duplex) => Promise<TLSSocket> {
  return (socket) =>
    new Promise((resolve, reject) => {
      const secure = new TLSSocket(socket, { isServer: true, cert: server.certPem, key: server.keyPem, ...(alpn ? { ALPNProtocols: alpn } : {}) });
      secure.once('secure', () => resolve(secure));
      secure.once('error', reject);
    });
}
