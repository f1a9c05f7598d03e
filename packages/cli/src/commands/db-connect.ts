import { mysqlGroupSuffix, pgServiceName } from '@postern/api/client-files';
import type { Command } from 'commander';
import { findMysqlClient, findOnPath } from '../db/client-binaries';
import { writeClientConfig } from '../db/client-config';
import { execClient } from '../db/exec-client';
import { describeExpiry, ensureDbLogin } from '../db/login';
import { checkDbName } from '../db/names';
import { CliError } from '../errors';

interface DbConnectOptions {
  dbUser?: string;
  dbName?: string;
}

export function registerDbConnect(db: Command): void {
  db.command('connect')
    .description('open psql or mysql on a database, logging in to it first when needed')
    .argument('<name>', 'the database')
    .argument('[client-args...]', 'passed to psql / mysql after `--`, e.g. -- -c "select 1"')
    .option('--db-user <user>', 'the database user (default: the one of the last login, or the only one allowed)')
    .option('--db-name <name>', 'the database name (default: the one of the last login, or the only one allowed)')
    .action(async (name: string, clientArgs: string[], opts: DbConnectOptions) => {
      const dbName = checkDbName(name);
      const { record, connection, renewed } = await ensureDbLogin({ name: dbName, ...opts });
      if (renewed) {
        console.error(`Logged in to database ${dbName} as db user ${record.db_user}, db name ${record.db_name}; valid until ${describeExpiry(record.expires)}.`);
      }
      let code: number;
      if (record.protocol === 'postgres') {
        const psql = findOnPath(['psql']);
        if (!psql) {
          throw new CliError(
            `psql is not installed (or not on PATH): install the PostgreSQL client, e.g. \`apt install postgresql-client\`, or use another client with \`postern db config ${dbName}\``,
          );
        }
        // The section may have been edited or removed since the login; put it back as it should be.
        writeClientConfig(connection, 'mariadb');
        code = await execClient(psql, [`service=${pgServiceName(dbName)}`, ...clientArgs]);
      } else {
        const client = findMysqlClient();
        if (!client) {
          throw new CliError(
            `neither mariadb nor mysql is installed (or on PATH): install a MySQL client, e.g. \`apt install mariadb-client\`, or see \`postern db config ${dbName}\``,
          );
        }
        writeClientConfig(connection, client.flavor);
        // Option-file flags must come first.
        code = await execClient(client.bin, [`--defaults-group-suffix=${mysqlGroupSuffix(dbName)}`, ...clientArgs]);
      }
      process.exitCode = code;
    });
}
