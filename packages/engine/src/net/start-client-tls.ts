import { isIP } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTlsSocket } from 'node:tls';
import type { ConnectionOptions, SecureContext, TLSSocket } from 'node:tls';
import type { DatabaseAddress } from './address';

export interface StartClientTlsOptions {
  /** The TCP connection, once the database has agreed to TLS in its protocol's way. */
  tcp: Socket;
  address: DatabaseAddress;
  /** CA, certificate and key (TLS 1.2 at least), parsed once per database and db user. */
  secureContext: SecureContext;
  /** ms since epoch; the handshake must be over by then. */
  deadline: number;
  /** What only one protocol asks for: an ALPN name, a session to resume. */
  extra?: Pick<ConnectionOptions, 'ALPNProtocols' | 'session'>;
  /** Sees the TLS socket before its handshake starts, to add checks or listeners. */
  onSocket?: (socket: TLSSocket) => void;
}

/**
 * The agent's TLS handshake with a database, verifying the server against the database's
 * CA and its address (a host name against the DNS names, an IP against the IP SANs). A
 * failure or the deadline destroys the socket and rejects with what `failed` makes of the
 * error, so each protocol reports it in its own terms.
 */
export function startClientTls(opts: StartClientTlsOptions, failed: (err: Error) => Error): Promise<TLSSocket> {
  const { address } = opts;
  return new Promise((resolve, reject) => {
    const socket = connectTlsSocket({
      socket: opts.tcp,
      // checkServerIdentity compares this with the certificate's SANs (IP SANs for an IP).
      host: address.host,
      // SNI carries host names only (RFC 6066).
      ...(isIP(address.host) ? {} : { servername: address.host }),
      secureContext: opts.secureContext,
      ...opts.extra,
    });
    opts.onSocket?.(socket);
    const timer = setTimeout(() => fail(new Error('the TLS handshake did not finish in time')), Math.max(0, opts.deadline - Date.now()));
    function fail(err: Error): void {
      clearTimeout(timer);
      socket.destroy();
      reject(failed(err));
    }
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      resolve(socket);
    });
  });
}
