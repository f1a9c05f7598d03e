import type { Command } from 'commander';
import { findMysqlClient } from '../db/client-binaries';
import { clientArgv, mysqlClientBin, psqlConninfo, shellCommand, type DbConnection } from '@postern/api/client-files';
import type { LocalProxy } from '../db/local-proxy';
import { describeExpiry, ensureDbLogin, loginToDatabase } from '../db/login';
import { checkDbName } from '../db/names';
import { RenewingCredentials } from '../db/renewing-credentials';
import { CliError } from '../errors';
import { posternHome, profileFiles } from '../profile';

interface ProxyDbOptions {
  port?: string;
  tunnel?: boolean;
  dbUser?: string;
  dbName?: string;
}

function parsePort(text: string | undefined): number {
  if (text === undefined) return 0;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CliError(`--port: "${text}" is not a port number (1-65535)`);
  return port;
}

function waitForStop(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** A plain client on the tunnel: a command line, a URL, and the JDBC URL GUI tools take. */
function printTunnelClients(c: DbConnection, local: LocalProxy): void {
  const at = `${local.host}:${local.port}`;
  const user = encodeURIComponent(c.user);
  if (c.protocol === 'postgres') {
    console.log(`  psql "host=${local.host} port=${local.port} user=${c.user} dbname=${c.database} sslmode=disable"`);
    console.log(`  postgres://${user}@${at}/${encodeURIComponent(c.database)}?sslmode=disable`);
    return;
  }
  // A route for any database ('*' or '') leaves the choice to the client.
  const database = c.database && c.database !== '*' ? c.database : undefined;
  const path = database ? `/${encodeURIComponent(database)}` : '';
  const flavor = findMysqlClient()?.flavor ?? 'mariadb';
  const argv = [mysqlClientBin(flavor), `--host=${local.host}`, `--port=${local.port}`, '--protocol=TCP', `--user=${c.user}`];
  if (database) argv.push(`--database=${database}`);
  argv.push(flavor === 'mysql' ? '--ssl-mode=DISABLED' : '--skip-ssl');
  console.log(`  ${shellCommand(argv)}`);
  console.log(`  mysql://${user}@${at}${path}`);
  console.log(`  jdbc:mysql://${at}${path}?user=${user}&sslMode=DISABLED  (MariaDB Connector/J: jdbc:mariadb://${at}${path}?user=${user})`);
}

function printHowToConnect(c: DbConnection, local: LocalProxy, tunnel: boolean): void {
  const at = `${local.host}:${local.port}`;
  if (tunnel) {
    console.log(`Tunnel to database ${c.name} listening on ${at}: connect without TLS or certificates, the tunnel adds them.`);
    printTunnelClients(c, local);
  } else {
    // The proxy's certificate names the proxy, not 127.0.0.1: the client can check the CA but not the host name.
    const here = { ...c, host: local.host, port: local.port };
    console.log(`Local proxy to database ${c.name} listening on ${at}: your client does TLS with the database certificate.`);
    if (c.protocol === 'postgres') {
      console.log(`  psql "${psqlConninfo(here).replace('sslmode=verify-full', 'sslmode=verify-ca')}"`);
    } else {
      const argv = clientArgv(here, findMysqlClient()?.flavor ?? 'mariadb').filter((a) => !/^--ssl-(mode|verify)/.test(a));
      console.log(`  ${shellCommand(argv)}`);
    }
  }
  console.log(`Certificate valid until ${describeExpiry(c.expires)}; renewed while this runs and your session lasts. Ctrl-C to stop.`);
}

export function registerProxy(program: Command): void {
  const proxy = program.command('proxy').description('local proxies for tools that cannot use Postern certificates directly');
  proxy
    .command('db')
    .description('listen on 127.0.0.1 and forward to a database through the Postern proxy')
    .argument('<name>', 'the database')
    .option('--port <port>', 'local port to listen on (default: a free one)')
    .option('--tunnel', 'accept plain connections (no TLS, no password) and add TLS and the database certificate, for GUI tools; PostgreSQL and MySQL/MariaDB')
    .option('--db-user <user>', 'the database user (default: the one of the last login, or the only one allowed)')
    .option('--db-name <name>', 'the database name (default: the one of the last login, or the only one allowed)')
    .action(async (name: string, opts: ProxyDbOptions) => {
      const dbName = checkDbName(name);
      const port = parsePort(opts.port);
      const home = posternHome();
      const want = { name: dbName, dbUser: opts.dbUser, dbName: opts.dbName };
      const { record, connection } = await ensureDbLogin(want, home);
      const log = (line: string) => console.error(`postern proxy db ${dbName}: ${line}`);
      const credentials = new RenewingCredentials({
        home,
        name: dbName,
        caFile: profileFiles(home).cas.host,
        log,
        renew: async () => {
          await loginToDatabase({ name: dbName, dbUser: record.db_user, dbName: record.db_name }, home);
        },
      });
      // Loaded here: the tunnels bring the protocols' codecs, which no other command needs at start-up.
      const { startLocalProxy } = await import('../db/local-proxy');
      let local: LocalProxy;
      try {
        local = await startLocalProxy({
          listen: { port },
          target: { host: record.host, port: record.port },
          protocol: record.protocol,
          ...(opts.tunnel ? { credentials: () => credentials.get() } : {}),
          hint: `check \`postern db login ${dbName}\` and \`postern status\``,
          log,
        });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'EADDRINUSE') throw new CliError(`port ${port} on 127.0.0.1 is taken: choose another with --port, or leave it out for a free one`);
        throw new CliError(`cannot listen on 127.0.0.1:${port}: ${e.message}`);
      }
      credentials.start();
      printHowToConnect(connection, local, opts.tunnel === true);
      const signal = await waitForStop();
      credentials.stop();
      await local.close();
      log(`stopped (${signal})`);
    });
}
