import { InvalidAddressError, parseDatabaseAddress as parseAddress, type DatabaseAddress } from '@postern/engine';
import { SqlState } from '../protocol/sqlstate';
import { SessionFailure } from './failure';

export { formatAddress, type DatabaseAddress } from '@postern/engine';

export const DEFAULT_POSTGRES_PORT = 5432;

/** `host:port`, `[v6]:port`, or a bare host (port 5432); a bad one is the agent's fault (XX000). */
export function parseDatabaseAddress(uri: string, name: string): DatabaseAddress {
  try {
    return parseAddress(uri, name, DEFAULT_POSTGRES_PORT);
  } catch (err) {
    if (err instanceof InvalidAddressError) throw new SessionFailure(SqlState.InternalError, err.message);
    throw err;
  }
}
