import type { MysqlFlavor } from './client-binaries';
import type { DbConnection } from './connection';
import { conninfoValue } from './shell';

// The command lines and environments that reach a database through the proxy on their
// own, without the service file: for `db config --format cmd`, `db env` and scripts.

export function psqlConninfo(c: DbConnection): string {
  const pairs: [string, string][] = [
    ['host', c.host],
    ['port', String(c.port)],
    ['user', c.user],
    ['dbname', c.database],
    ['sslmode', 'verify-full'],
    ['sslrootcert', c.ca],
    ['sslcert', c.cert],
    ['sslkey', c.key],
  ];
  return pairs.map(([k, v]) => `${k}=${conninfoValue(v)}`).join(' ');
}

export function mysqlArgs(c: DbConnection, flavor: MysqlFlavor): string[] {
  return [
    `--host=${c.host}`,
    `--port=${c.port}`,
    '--protocol=TCP',
    `--user=${c.user}`,
    `--database=${c.database}`,
    `--ssl-ca=${c.ca}`,
    `--ssl-cert=${c.cert}`,
    `--ssl-key=${c.key}`,
    flavor === 'mysql' ? '--ssl-mode=VERIFY_IDENTITY' : '--ssl-verify-server-cert',
  ];
}

export function clientArgv(c: DbConnection, flavor: MysqlFlavor): string[] {
  return c.protocol === 'postgres' ? ['psql', psqlConninfo(c)] : [flavor === 'mysql' ? 'mysql' : 'mariadb', ...mysqlArgs(c, flavor)];
}

/**
 * libpq reads all of it from the environment. MySQL's clients read only the host and the
 * TCP port from it; user, database and TLS files come from the option group.
 */
export function clientEnv(c: DbConnection): [string, string][] {
  if (c.protocol === 'postgres') {
    return [
      ['PGHOST', c.host],
      ['PGPORT', String(c.port)],
      ['PGUSER', c.user],
      ['PGDATABASE', c.database],
      ['PGSSLMODE', 'verify-full'],
      ['PGSSLROOTCERT', c.ca],
      ['PGSSLCERT', c.cert],
      ['PGSSLKEY', c.key],
    ];
  }
  return [
    ['MYSQL_HOST', c.host],
    ['MYSQL_TCP_PORT', String(c.port)],
  ];
}
