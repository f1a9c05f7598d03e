import { CliError } from '../errors';
import type { DbLoginRecord } from './db-logins';
import { dbLoginFiles } from './db-logins';

/** Everything a client needs to reach one database through the proxy, with absolute paths. */
export interface DbConnection {
  name: string;
  protocol: 'postgres' | 'mysql';
  host: string;
  port: number;
  user: string;
  database: string;
  /** The cluster's Host CA, which signs the proxy's certificate. */
  ca: string;
  cert: string;
  key: string;
  expires: string;
}

export function connectionOf(home: string, hostCaFile: string, rec: DbLoginRecord): DbConnection {
  const f = dbLoginFiles(home, rec.db_service);
  return {
    name: rec.db_service,
    protocol: rec.protocol,
    host: rec.host,
    port: rec.port,
    user: rec.db_user,
    database: rec.db_name,
    ca: hostCaFile,
    cert: f.cert,
    key: f.key,
    expires: rec.expires,
  };
}

/** Lines cannot carry a newline: a value with one would end the line and start another. */
export function checkLineValue(what: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new CliError(`cannot write ${what} ${JSON.stringify(value)} into a client file: it contains a line break`);
  return value;
}
