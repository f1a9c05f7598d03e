import { parseDatabaseAddress as parseAddress, type DatabaseAddress } from '@postern/engine';

export { formatAddress, InvalidAddressError, type DatabaseAddress } from '@postern/engine';

export const DEFAULT_MYSQL_PORT = 3306;

/** `host:port`, `[v6]:port`, or a bare host (port 3306), as in a database's `uri`. */
export function parseDatabaseAddress(uri: string, name: string): DatabaseAddress {
  return parseAddress(uri, name, DEFAULT_MYSQL_PORT);
}
