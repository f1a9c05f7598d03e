import { connect as connectTcpSocket } from 'node:net';
import type { Socket } from 'node:net';
import type { DatabaseAddress } from './address';

/**
 * Opens a TCP connection to a database by `deadline` (ms since epoch). A refusal, an error
 * or the deadline rejects with what `unreachable` makes of the reason (an errno code such
 * as ECONNREFUSED, or ETIMEDOUT), so each protocol reports it in its own terms.
 */
export function connectTcp(address: DatabaseAddress, deadline: number, unreachable: (reason: string) => Error): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcpSocket({ host: address.host, port: address.port });
    const fail = (reason: string): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(unreachable(reason));
    };
    const timer = setTimeout(() => fail('no answer in time (ETIMEDOUT)'), Math.max(0, deadline - Date.now()));
    socket.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      // From here errors surface on whoever reads the socket (the protocol's TLS request,
      // then TLS); this listener only keeps a late one from crashing the agent.
      socket.on('error', () => {});
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 60_000);
      resolve(socket);
    });
  });
}
