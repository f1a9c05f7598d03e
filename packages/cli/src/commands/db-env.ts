import type { Command } from 'commander';
import { clientEnv, mysqlGroupSuffix, shellQuote } from '@postern/api/client-files';
import { savedConnection } from '../db/login';
import { checkDbName } from '../db/names';
import { posternHome, profileFiles } from '../profile';

export function registerDbEnv(db: Command): void {
  db.command('env')
    .description('print shell exports that point clients at a database: eval "$(postern db env NAME)"')
    .argument('<name>', 'the database')
    .action((name: string) => {
      const home = posternHome();
      const { connection: c } = savedConnection(home, checkDbName(name), profileFiles(home).cas.host);
      if (new Date(c.expires).getTime() <= Date.now()) {
        console.error(`postern: the certificate for ${c.name} expired at ${c.expires}: run \`postern db login ${c.name}\``);
      }
      for (const [k, v] of clientEnv(c)) console.log(`export ${k}=${shellQuote(v)}`);
      if (c.protocol === 'mysql') {
        // The rest has no environment variable; a comment keeps the output safe to eval.
        console.log(`# user, database and TLS files: mysql --defaults-group-suffix=${mysqlGroupSuffix(c.name)}`);
      }
    });
}
