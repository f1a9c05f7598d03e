import type { Command } from 'commander';
import { describeExpiry, loginToDatabase } from '../db/login';
import { checkDbName } from '../db/names';

interface DbLoginOptions {
  dbUser?: string;
  dbName?: string;
  ttl?: string;
}

export function registerDbLogin(db: Command): void {
  db.command('login')
    .description('get a certificate for a database and write its ~/.pg_service.conf section or ~/.my.cnf group')
    .argument('<name>', 'the database, as `postern db ls` shows it')
    .option('--db-user <user>', 'the database user to connect as (default: the only one your roles allow)')
    .option('--db-name <name>', 'the database name within it (default: the only one your roles allow)')
    .option('--ttl <duration>', 'how long the certificate should last, e.g. 1h (capped by your session)')
    .action(async (name: string, opts: DbLoginOptions) => {
      const { record, connection, config } = await loginToDatabase({ name: checkDbName(name), ...opts });
      console.log(`Logged in to database ${record.db_service} (${record.protocol}) as db user ${record.db_user}, db name ${record.db_name}.`);
      console.log(`  certificate: ${connection.cert}`);
      console.log(`  valid until: ${describeExpiry(record.expires)}`);
      console.log(`  wrote [${config.section}] in ${config.file}`);
      console.log('Connect with:');
      console.log(`  ${config.command}`);
      console.log(`  postern db connect ${record.db_service}`);
    });
}
