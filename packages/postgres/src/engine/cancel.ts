import type { DbClientCredentials } from '@postern/engine';
import { serialize } from '../protocol/serializer';
import { parseDatabaseAddress } from './address';
import { connectDatabase, connectTcp } from './connect-database';
import type { DatabaseEndpoint } from './connect-database';

export const DEFAULT_CANCEL_TIMEOUT_MS = 10_000;

export interface CancelOptions {
  /**
   * Send the request inside TLS (SSLRequest, then the DB Client CA certificate). PostgreSQL
   * reads a CancelRequest before any authentication and pg_hba.conf does not apply to it,
   * so plain TCP works everywhere the database's port is reachable; TLS keeps the key off
   * the wire where that matters.
   */
  tls?: { credentials: DbClientCredentials };
  timeoutMs?: number;
}

/**
 * Asks the database to cancel what backend `pid` is running, with the secret key from its
 * BackendKeyData. Resolves once the request is delivered (PostgreSQL answers nothing and
 * closes); rejects with a SessionFailure when the database cannot be reached. Whether a
 * query was running and got cancelled is only visible on the session itself.
 */
export async function sendCancelRequest(target: DatabaseEndpoint, pid: number, key: number, opts: CancelOptions = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_CANCEL_TIMEOUT_MS);
  const socket = opts.tls
    ? await connectDatabase(target, opts.tls.credentials, deadline)
    : await connectTcp(target, parseDatabaseAddress(target.uri, target.name), deadline);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => socket.destroy(), Math.max(0, deadline - Date.now()));
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on('error', () => {});
    // The server closes once it has read the request; reading lets us see that.
    socket.resume();
    socket.end(serialize.cancelRequest(pid, key));
  });
}
