import { z } from 'zod';
import {
  mysqlArgs,
  mysqlDefaultsArgv,
  pgServiceName,
  posternConnectCommand,
  psqlConninfo,
  psqlServiceCommand,
  shellCommand,
  type DbConnection,
  type HostPort,
} from './client-files';
import { duration } from './common';

// The certificate bundle of the web UI: POST /databases/NAME/bundle answers a zip that
// holds one folder, postern-NAME/, with the files below. Paths inside the client files are
// relative to that folder, so the commands run from inside it. Browser-safe (the page
// shows the same commands): import '@postern/api/bundle' in client components.

/** POST /databases/NAME/bundle: a private key made for this download, its certificate, the CA and client files. */
/** A db user or db name: written into client files and command lines, so no control characters. */
const dbIdentifier = z
  .string()
  .min(1, 'must not be empty')
  .max(63)
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\x00-\x1f\x7f]+$/, 'must not contain control characters or line breaks');

export const databaseBundleRequest = z
  .object({
    db_user: dbIdentifier,
    db_name: dbIdentifier,
    /** Capped by the roles' max_session_ttl and by the web session's own end. */
    ttl: duration.optional(),
  })
  .strict();
export type DatabaseBundleRequest = z.infer<typeof databaseBundleRequest>;

/** The response header that carries the certificate's end (ISO 8601). */
export const BUNDLE_EXPIRES_HEADER = 'x-postern-expires';

export const BUNDLE_FILES = {
  readme: 'README.txt',
  /** The private key (PKCS#8 PEM, RSA-2048), mode 0600: libpq refuses a key others can read. */
  key: 'client.key',
  /** The user certificate with the route (database, db user, db name). */
  cert: 'client.crt',
  /** The Host CA bundle: it signs the proxy's certificate. */
  ca: 'proxy-ca.pem',
  pgService: 'pg_service.conf',
  myCnf: 'my.cnf',
} as const;

/** The folder the zip unpacks into, and the zip's own name without `.zip`. */
export function bundleFolder(name: string): string {
  return `postern-${name}`;
}

/** The connection as the bundle's files describe it: paths relative to the bundle folder. */
export function bundleConnection(
  db: { name: string; protocol: 'postgres' | 'mysql' },
  address: HostPort,
  choice: { db_user: string; db_name: string },
  expires = '',
): DbConnection {
  return {
    name: db.name,
    protocol: db.protocol,
    host: address.host,
    port: address.port,
    user: choice.db_user,
    database: choice.db_name,
    ca: BUNDLE_FILES.ca,
    cert: BUNDLE_FILES.cert,
    key: BUNDLE_FILES.key,
    expires,
  };
}

export interface ConnectCommand {
  /** Stable: test ids and the README use it. */
  id: 'psql-service' | 'psql-conninfo' | 'mariadb' | 'mysql' | 'mysql-flags' | 'postern-cli';
  label: string;
  command: string;
  /** Where it runs: inside the unzipped bundle folder, or anywhere with the postern CLI. */
  from: 'bundle' | 'cli';
}

/**
 * The exact commands for a connection: the bundle's files first (the service file or the
 * option file, then the same settings spelled out), then the postern CLI, which needs no
 * bundle at all.
 */
export function connectCommands(c: DbConnection): ConnectCommand[] {
  const cli: ConnectCommand = {
    id: 'postern-cli',
    label: 'With the postern CLI, after postern login',
    command: posternConnectCommand(c.name, c.user, c.database),
    from: 'cli',
  };
  if (c.protocol === 'postgres') {
    return [
      {
        id: 'psql-service',
        label: `psql with the bundle's service file (section [${pgServiceName(c.name)}])`,
        command: psqlServiceCommand(c.name, BUNDLE_FILES.pgService),
        from: 'bundle',
      },
      { id: 'psql-conninfo', label: 'psql with every setting on the command line', command: shellCommand(['psql', psqlConninfo(c)]), from: 'bundle' },
      cli,
    ];
  }
  return [
    { id: 'mariadb', label: "MariaDB's client with the bundle's option file", command: shellCommand(mysqlDefaultsArgv(c.name, 'mariadb', BUNDLE_FILES.myCnf)), from: 'bundle' },
    { id: 'mysql', label: "Oracle MySQL's client with the bundle's option file", command: shellCommand(mysqlDefaultsArgv(c.name, 'mysql', BUNDLE_FILES.myCnf)), from: 'bundle' },
    { id: 'mysql-flags', label: "MariaDB's client with every setting on the command line", command: shellCommand(['mariadb', ...mysqlArgs(c, 'mariadb')]), from: 'bundle' },
    cli,
  ];
}
