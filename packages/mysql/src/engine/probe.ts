import { formatAddress, parseDatabaseAddress } from './address';
import { connectTcp, readGreeting } from './connect-database';

export const DEFAULT_PROBE_TIMEOUT_MS = 10_000;

export interface ServerProbe {
  /**
   * The greeting's version exactly as sent, e.g. "8.4.3", or "5.5.5-10.11.19-MariaDB-0+deb12u1"
   * (MariaDB 10's prefix for old replication clients, which clients strip): what the proxy's greeting should repeat.
   */
  serverVersion: string;
  /** The server's capability flags: what the proxy may offer clients of this database. */
  capabilities: number;
  characterSet: number;
}

/**
 * Connects, reads the server's greeting, and hangs up. The agent reports the version so
 * the proxy's greeting can carry it (clients adapt their SQL and features to it).
 *
 * A connection closed before authenticating counts towards the server's
 * max_connect_errors, after which MySQL blocks the agent's host until FLUSH HOSTS: probe
 * once per start or reconnect, not on a timer. Every successful session resets the count.
 * Rejects with a message naming the address when there is no MySQL server there.
 */
export async function probeServer(uri: string, opts: { timeoutMs?: number } = {}): Promise<ServerProbe> {
  const address = parseDatabaseAddress(uri, uri);
  const where = `the database at ${formatAddress(address)}`;
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS);
  const socket = await connectTcp(address, where, deadline);
  try {
    const greeting = await readGreeting(socket, where, deadline);
    return { serverVersion: greeting.serverVersion, capabilities: greeting.capabilities, characterSet: greeting.characterSet };
  } finally {
    socket.destroy();
  }
}

export async function probeServerVersion(uri: string, opts: { timeoutMs?: number } = {}): Promise<string> {
  return (await probeServer(uri, opts)).serverVersion;
}
