// What a database client needs to reach one database through the proxy, as text: the
// pg_service.conf section, the my.cnf group, libpq conninfo strings and command lines.
// Pure, and free of Node APIs: the CLI writes these into the user's files, the Auth Service
// into the web UI's certificate bundle, and the web page shows them in the browser
// (import '@postern/api/client-files' there: the package's index pulls in node:crypto).

/** A value that cannot be written into a client file or a command line. */
export class ClientFileError extends Error {
  override name = 'ClientFileError';
}

/**
 * Oracle's client since 8.0 knows only `ssl-mode=VERIFY_IDENTITY`, MariaDB's only
 * `ssl-verify-server-cert`, and each refuses the other's option.
 */
export type MysqlFlavor = 'mariadb' | 'mysql';

/** Everything a client needs to reach one database through the proxy. */
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

export interface HostPort {
  host: string;
  port: number;
}

export const DEFAULT_PROXY_PORT = 3080;
export const DEFAULT_MYSQL_PORT = 3036;

// --- names ---

/** The pg_service.conf section: `psql "service=postern-NAME"`. */
export function pgServiceName(name: string): string {
  return `postern-${name}`;
}

/** The suffix for `mysql --defaults-group-suffix=…`. */
export function mysqlGroupSuffix(name: string): string {
  return `_postern-${name}`;
}

/** The option-file group both MySQL's and MariaDB's clients read with that suffix. */
export function mysqlGroupName(name: string): string {
  return `client${mysqlGroupSuffix(name)}`;
}

/** The group only MariaDB's clients read with that suffix (Oracle's client skips it). */
export function mariadbGroupName(name: string): string {
  return `client-mariadb${mysqlGroupSuffix(name)}`;
}

// --- quoting ---

/** Lines cannot carry a newline: a value with one would end the line and start another. */
export function checkLineValue(what: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new ClientFileError(`cannot write ${what} ${JSON.stringify(value)} into a client file: it contains a line break`);
  return value;
}

/** A word the POSIX shell reads back as exactly `s`. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** A value in a libpq key=value connection string. */
export function conninfoValue(v: string): string {
  if (v !== '' && !/[\s'\\]/.test(v)) return v;
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Option files treat '#' and quotes specially; such values are double-quoted with escapes. */
export function optionValue(value: string): string {
  checkLineValue('option value', value);
  if (!/[#;'"\\]|^\s|\s$/.test(value)) return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The value an option file means by what optionValue wrote. */
export function unquoteOptionValue(value: string | undefined): string | undefined {
  if (value === undefined || !/^".*"$/.test(value)) return value;
  return value.slice(1, -1).replace(/\\(.)/g, '$1');
}

// --- client files ---

function pgEntries(c: DbConnection): [string, string][] {
  return [
    ['host', c.host],
    ['port', String(c.port)],
    ['user', c.user],
    ['dbname', c.database],
    ['sslmode', 'verify-full'],
    ['sslrootcert', c.ca],
    ['sslcert', c.cert],
    ['sslkey', c.key],
  ];
}

function commentLines(comment: string | readonly string[]): string[] {
  const lines = typeof comment === 'string' ? [comment] : [...comment];
  return lines.map((l) => `# ${checkLineValue('comment', l)}`.trimEnd());
}

/**
 * The lines of a pg_service.conf section after its header. libpq takes `key=value`
 * literally (no spaces around '=', no quoting, no inline comments), so values are written
 * as they are and only line breaks are refused.
 */
export function pgServiceBody(c: DbConnection, comment: string | readonly string[] = `written by \`postern db login ${c.name}\`; \`postern db logout ${c.name}\` removes it`): string[] {
  return [...commentLines(comment), ...pgEntries(c).map(([k, v]) => `${k}=${checkLineValue(k, v)}`)];
}

function mysqlEntries(c: DbConnection): [string, string][] {
  return [
    ['host', c.host],
    ['port', String(c.port)],
    // `host=localhost` would otherwise mean the local Unix socket to both clients.
    ['protocol', 'TCP'],
    ['user', c.user],
    ['database', c.database],
    ['ssl-ca', c.ca],
    ['ssl-cert', c.cert],
    ['ssl-key', c.key],
  ];
}

/** The lines of a my.cnf group after its header, for one client flavor. */
export function myCnfBody(
  c: DbConnection,
  flavor: MysqlFlavor,
  comment: string | readonly string[] = `written by \`postern db login ${c.name}\`; \`postern db logout ${c.name}\` removes it`,
): string[] {
  return [
    ...commentLines(comment),
    ...mysqlEntries(c).map(([k, v]) => `${k}=${optionValue(v)}`),
    flavor === 'mysql' ? 'ssl-mode=VERIFY_IDENTITY' : 'ssl-verify-server-cert',
  ];
}

function section(header: string, body: readonly string[]): string {
  return [`[${checkLineValue('section name', header)}]`, ...body].join('\n') + '\n';
}

/** A whole pg_service.conf holding the one `[postern-NAME]` section. */
export function pgServiceFileText(c: DbConnection, comment: string | readonly string[]): string {
  return section(pgServiceName(c.name), pgServiceBody(c, comment));
}

/**
 * A whole option file that both clients read without complaint, for when the client is not
 * known (a download): `[client_postern-NAME]` holds what both understand, and the server
 * certificate check MariaDB's clients need sits in `[client-mariadb_postern-NAME]`, a group
 * Oracle's client does not read. Oracle's client takes `--ssl-mode=VERIFY_IDENTITY` on its
 * command line instead (see mysqlDefaultsArgv).
 */
export function myCnfFileText(c: DbConnection, comment: string | readonly string[]): string {
  const common = [...commentLines(comment), ...mysqlEntries(c).map(([k, v]) => `${k}=${optionValue(v)}`)];
  return section(mysqlGroupName(c.name), common) + '\n' + section(mariadbGroupName(c.name), ['ssl-verify-server-cert']);
}

// --- command lines ---

export function psqlConninfo(c: DbConnection): string {
  return pgEntries(c)
    .map(([k, v]) => `${k}=${conninfoValue(v)}`)
    .join(' ');
}

export function mysqlArgs(c: DbConnection, flavor: MysqlFlavor): string[] {
  return [
    ...mysqlEntries(c).map(([k, v]) => `--${k}=${v}`),
    flavor === 'mysql' ? '--ssl-mode=VERIFY_IDENTITY' : '--ssl-verify-server-cert',
  ];
}

export function mysqlClientBin(flavor: MysqlFlavor): string {
  return flavor === 'mysql' ? 'mysql' : 'mariadb';
}

export function clientArgv(c: DbConnection, flavor: MysqlFlavor): string[] {
  return c.protocol === 'postgres' ? ['psql', psqlConninfo(c)] : [mysqlClientBin(flavor), ...mysqlArgs(c, flavor)];
}

/**
 * A MySQL client on the groups of an option file (myCnfFileText's, or ~/.my.cnf when
 * `file` is undefined). The defaults options must come first, so they do.
 */
export function mysqlDefaultsArgv(name: string, flavor: MysqlFlavor, file?: string): string[] {
  return [
    mysqlClientBin(flavor),
    ...(file ? [`--defaults-extra-file=${file}`] : []),
    `--defaults-group-suffix=${mysqlGroupSuffix(name)}`,
    // Only MariaDB reads the group with its server certificate check.
    ...(flavor === 'mysql' ? ['--ssl-mode=VERIFY_IDENTITY'] : []),
  ];
}

/** psql on the `[postern-NAME]` service (of `serviceFile`, or the default file when undefined). */
export function psqlServiceCommand(name: string, serviceFile?: string): string {
  const env = serviceFile ? `PGSERVICEFILE=${shellQuote(serviceFile)} ` : '';
  return `${env}psql ${shellQuote(`service=${pgServiceName(name)}`)}`;
}

/** `postern db connect NAME --db-user U --db-name D`. */
export function posternConnectCommand(name: string, dbUser: string, dbName: string): string {
  return shellCommand(['postern', 'db', 'connect', name, '--db-user', dbUser, '--db-name', dbName]);
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

// --- addresses ---

/** `host:port`, `[v6]:port`, or a URL; the port is optional. */
export function parseHostPort(addr: string, defaultPort: number): HostPort {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(addr) ? addr : `tcp://${addr}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ClientFileError(`"${addr}" is not HOST:PORT`);
  }
  const defaults: Record<string, number> = { 'https:': 443, 'http:': 80 };
  const port = url.port ? Number(url.port) : (defaults[url.protocol] ?? defaultPort);
  // URL keeps the brackets of an IPv6 literal; clients want the bare address.
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

/**
 * Where database clients connect. The proxy serves PostgreSQL on its public address (the
 * one HTTPS uses); when the Auth Service runs without a proxy in its process it does not
 * know that address, and `fallback` (the address the user reached the proxy at) is used.
 */
export function databaseAddress(
  protocol: 'postgres' | 'mysql',
  ping: { proxy_public_addr?: string; mysql_public_addr?: string },
  fallback: string,
): HostPort {
  const pg = parseHostPort(ping.proxy_public_addr || fallback, DEFAULT_PROXY_PORT);
  if (protocol === 'postgres') return pg;
  return ping.mysql_public_addr ? parseHostPort(ping.mysql_public_addr, DEFAULT_MYSQL_PORT) : { host: pg.host, port: DEFAULT_MYSQL_PORT };
}
