import type { DbConnection } from '@postern/api/client-files';
import type { DbLoginRecord } from './db-logins';
import { dbLoginFiles } from './db-logins';

/** Everything a client needs to reach one database through the proxy; here with absolute paths. */
export type { DbConnection };

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
