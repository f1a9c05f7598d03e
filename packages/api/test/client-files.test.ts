import { describe, expect, it } from 'vitest';
import { BUNDLE_FILES, bundleConnection, bundleFolder, connectCommands, databaseBundleRequest } from '../src/bundle';
import {
  ClientFileError,
  clientArgv,
  databaseAddress,
  myCnfBody,
  myCnfFileText,
  mysqlDefaultsArgv,
  parseHostPort,
  pgServiceBody,
  pgServiceFileText,
  posternConnectCommand,
  psqlConninfo,
  psqlServiceCommand,
  shellQuote,
  type DbConnection,
} from '../src/client-files';

const pg: DbConnection = {
  name: 'demo',
  protocol: 'postgres',
  host: 'proxy.example.com',
  port: 3080,
  user: 'alice',
  database: 'app',
  ca: '/home/alice/.postern/keys/cas/host.pem',
  cert: '/home/alice/.postern/keys/db/demo.crt',
  key: '/home/alice/.postern/keys/db/demo.key',
  expires: '2026-11-21T22:00:00.000Z',
};
const my: DbConnection = { ...pg, name: 'shop', protocol: 'mysql', port: 3036, database: 'orders' };

describe('pg_service.conf', () => {
  it('writes the section body the CLI has always written', () => {
    expect(pgServiceBody(pg)).toEqual([
      '# written by `postern db login demo`; `postern db logout demo` removes it',
      'host=proxy.example.com',
      'port=3080',
      'user=alice',
      'dbname=app',
      'sslmode=verify-full',
      'sslrootcert=/home/alice/.postern/keys/cas/host.pem',
      'sslcert=/home/alice/.postern/keys/db/demo.crt',
      'sslkey=/home/alice/.postern/keys/db/demo.key',
    ]);
  });

  it('renders a whole file with the [postern-NAME] header and the given comment', () => {
    const c = bundleConnection({ name: 'demo', protocol: 'postgres' }, { host: 'localhost', port: 3080 }, { db_user: 'alice', db_name: 'app' });
    expect(pgServiceFileText(c, ['one', 'two'])).toBe(
      [
        '[postern-demo]',
        '# one',
        '# two',
        'host=localhost',
        'port=3080',
        'user=alice',
        'dbname=app',
        'sslmode=verify-full',
        'sslrootcert=proxy-ca.pem',
        'sslcert=client.crt',
        'sslkey=client.key',
        '',
      ].join('\n'),
    );
  });

  it('refuses a value or a comment with a line break', () => {
    expect(() => pgServiceBody({ ...pg, user: 'alice\nsslmode=disable' })).toThrow(ClientFileError);
    expect(() => pgServiceFileText(pg, 'a\nhost=evil')).toThrow(/line break/);
  });
});

describe('my.cnf', () => {
  it('writes one group per client flavor, as the CLI does', () => {
    const body = myCnfBody({ ...my, key: '/keys/it has #hash.key' }, 'mariadb');
    expect(body.slice(1)).toEqual([
      'host=proxy.example.com',
      'port=3036',
      'protocol=TCP',
      'user=alice',
      'database=orders',
      'ssl-ca=/home/alice/.postern/keys/cas/host.pem',
      'ssl-cert=/home/alice/.postern/keys/db/demo.crt',
      'ssl-key="/keys/it has #hash.key"',
      'ssl-verify-server-cert',
    ]);
    expect(myCnfBody(my, 'mysql').at(-1)).toBe('ssl-mode=VERIFY_IDENTITY');
  });

  it('renders a file both clients read: common settings, then the MariaDB-only server check', () => {
    const c = bundleConnection({ name: 'shop', protocol: 'mysql' }, { host: 'db.example.com', port: 3036 }, { db_user: 'bob', db_name: 'orders' });
    expect(myCnfFileText(c, 'from the web UI')).toBe(
      [
        '[client_postern-shop]',
        '# from the web UI',
        'host=db.example.com',
        'port=3036',
        'protocol=TCP',
        'user=bob',
        'database=orders',
        'ssl-ca=proxy-ca.pem',
        'ssl-cert=client.crt',
        'ssl-key=client.key',
        '',
        '[client-mariadb_postern-shop]',
        'ssl-verify-server-cert',
        '',
      ].join('\n'),
    );
  });
});

describe('command lines', () => {
  it('quotes for the shell and for libpq', () => {
    expect(shellQuote('plain-word_1.2')).toBe('plain-word_1.2');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(psqlConninfo({ ...pg, database: 'my app' })).toBe(
      "host=proxy.example.com port=3080 user=alice dbname='my app' sslmode=verify-full sslrootcert=/home/alice/.postern/keys/cas/host.pem sslcert=/home/alice/.postern/keys/db/demo.crt sslkey=/home/alice/.postern/keys/db/demo.key",
    );
  });

  it('builds psql, mariadb and mysql commands', () => {
    expect(psqlServiceCommand('demo')).toBe('psql service=postern-demo');
    expect(psqlServiceCommand('demo', 'pg_service.conf')).toBe('PGSERVICEFILE=pg_service.conf psql service=postern-demo');
    expect(mysqlDefaultsArgv('shop', 'mariadb', 'my.cnf')).toEqual(['mariadb', '--defaults-extra-file=my.cnf', '--defaults-group-suffix=_postern-shop']);
    expect(mysqlDefaultsArgv('shop', 'mysql')).toEqual(['mysql', '--defaults-group-suffix=_postern-shop', '--ssl-mode=VERIFY_IDENTITY']);
    expect(clientArgv(my, 'mariadb')).toEqual([
      'mariadb',
      '--host=proxy.example.com',
      '--port=3036',
      '--protocol=TCP',
      '--user=alice',
      '--database=orders',
      '--ssl-ca=/home/alice/.postern/keys/cas/host.pem',
      '--ssl-cert=/home/alice/.postern/keys/db/demo.crt',
      '--ssl-key=/home/alice/.postern/keys/db/demo.key',
      '--ssl-verify-server-cert',
    ]);
    expect(posternConnectCommand('demo', 'alice', 'app')).toBe('postern db connect demo --db-user alice --db-name app');
    expect(posternConnectCommand('demo', 'o reilly', "it's")).toBe(`postern db connect demo --db-user 'o reilly' --db-name 'it'\\''s'`);
  });

  it('lists the exact commands for a bundle, with relative paths, by protocol', () => {
    const c = bundleConnection({ name: 'demo', protocol: 'postgres' }, { host: 'localhost', port: 3080 }, { db_user: 'alice', db_name: 'app' });
    expect(connectCommands(c).map((x) => [x.id, x.command])).toEqual([
      ['psql-service', 'PGSERVICEFILE=pg_service.conf psql service=postern-demo'],
      ['psql-conninfo', `psql 'host=localhost port=3080 user=alice dbname=app sslmode=verify-full sslrootcert=proxy-ca.pem sslcert=client.crt sslkey=client.key'`],
      ['postern-cli', 'postern db connect demo --db-user alice --db-name app'],
    ]);
    const m = bundleConnection({ name: 'shop', protocol: 'mysql' }, { host: 'localhost', port: 3036 }, { db_user: 'bob', db_name: 'orders' });
    expect(connectCommands(m).map((x) => [x.id, x.command])).toEqual([
      ['mariadb', 'mariadb --defaults-extra-file=my.cnf --defaults-group-suffix=_postern-shop'],
      ['mysql', 'mysql --defaults-extra-file=my.cnf --defaults-group-suffix=_postern-shop --ssl-mode=VERIFY_IDENTITY'],
      [
        'mysql-flags',
        'mariadb --host=localhost --port=3036 --protocol=TCP --user=bob --database=orders --ssl-ca=proxy-ca.pem --ssl-cert=client.crt --ssl-key=client.key --ssl-verify-server-cert',
      ],
      ['postern-cli', 'postern db connect shop --db-user bob --db-name orders'],
    ]);
    expect(bundleFolder('shop')).toBe('postern-shop');
    expect(Object.values(BUNDLE_FILES)).toContain('client.key');
  });
});

describe('addresses', () => {
  it('parses HOST:PORT, IPv6 and URLs', () => {
    expect(parseHostPort('localhost:3080', 1)).toEqual({ host: 'localhost', port: 3080 });
    expect(parseHostPort('[::1]:5', 1)).toEqual({ host: '::1', port: 5 });
    expect(parseHostPort('https://proxy.example.com', 1)).toEqual({ host: 'proxy.example.com', port: 443 });
    expect(parseHostPort('proxy', 3080)).toEqual({ host: 'proxy', port: 3080 });
    expect(() => parseHostPort('a b:1', 1)).toThrow(ClientFileError);
  });

  it('takes the proxy addresses from /ping, else the address the user reached', () => {
    const ping = { proxy_public_addr: 'proxy:3080', mysql_public_addr: 'proxy:3306' };
    expect(databaseAddress('postgres', ping, 'https://other')).toEqual({ host: 'proxy', port: 3080 });
    expect(databaseAddress('mysql', ping, 'https://other')).toEqual({ host: 'proxy', port: 3306 });
    expect(databaseAddress('postgres', {}, 'https://web.example.com:8443')).toEqual({ host: 'web.example.com', port: 8443 });
    expect(databaseAddress('mysql', {}, 'https://web.example.com:8443')).toEqual({ host: 'web.example.com', port: 3036 });
  });
});

describe('bundle request', () => {
  it('refuses control characters in db user and db name', () => {
    expect(databaseBundleRequest.safeParse({ db_user: 'alice', db_name: 'app', ttl: '1h' }).success).toBe(true);
    expect(databaseBundleRequest.safeParse({ db_user: 'alice\nsslmode=disable', db_name: 'app' }).success).toBe(false);
    expect(databaseBundleRequest.safeParse({ db_user: 'alice', db_name: '' }).success).toBe(false);
    expect(databaseBundleRequest.safeParse({ db_user: 'alice', db_name: 'app', extra: 1 }).success).toBe(false);
  });
});
