import type { Command } from 'commander';
import { removeClientConfigs } from '../db/client-config';
import { listDbLogins, removeDbLoginFiles } from '../db/db-logins';
import { checkDbName } from '../db/names';
import { posternHome } from '../profile';

export function registerDbLogout(db: Command): void {
  db.command('logout')
    .description("delete a database's key and certificate and its client section (all databases without NAME)")
    .argument('[name]', 'the database; all of them when left out')
    .action((name: string | undefined) => {
      const home = posternHome();
      // Local only, so that it works when the session has ended or the cluster is gone.
      const names = name === undefined ? null : [checkDbName(name)];
      const removedKeys = (names ?? listDbLogins(home)).filter((n) => removeDbLoginFiles(home, n));
      const removedSections = removeClientConfigs(home, names);
      if (removedKeys.length === 0 && removedSections.length === 0) {
        console.log(name === undefined ? 'No database logins to remove.' : `Not logged in to database ${name}.`);
        return;
      }
      for (const n of removedKeys) console.log(`Logged out of database ${n}: removed its key and certificate.`);
      for (const s of removedSections) console.log(`Removed ${s}.`);
    });
}
