import { listDatabasesResponse } from '@postern/api';
import type { Command } from 'commander';
import { CliError } from '../errors';
import { callApi } from '../http';
import { formatLabels, json, table } from '../output';
import { apiTargetFor, requireProfile } from '../profile';
import { registerDbConfig } from './db-config';
import { registerDbConnect } from './db-connect';
import { registerDbEnv } from './db-env';
import { registerDbLogin } from './db-login';
import { registerDbLogout } from './db-logout';

export function registerDb(program: Command): void {
  const db = program.command('db').description('databases: list them, get certificates, connect');
  db.command('ls')
    .description('list the databases your roles allow')
    .option('--format <format>', 'table or json', 'table')
    .action(async (opts: { format: string }) => {
      if (opts.format !== 'table' && opts.format !== 'json') throw new CliError('--format: table or json');
      const p = requireProfile();
      const { databases } = await callApi(apiTargetFor(p), 'GET', '/databases', listDatabasesResponse);
      if (opts.format === 'json') {
        console.log(json({ databases }));
        return;
      }
      if (databases.length === 0) {
        console.log('No databases that your roles allow.');
        return;
      }
      console.log(
        table(
          ['Name', 'Protocol', 'Status', 'Labels', 'DB users', 'DB names'],
          databases.map((d) => [d.name, d.protocol, d.status, formatLabels(d.labels), d.db_users.join(','), d.db_names.join(',')]),
        ),
      );
    });
  registerDbLogin(db);
  registerDbLogout(db);
  registerDbConnect(db);
  registerDbConfig(db);
  registerDbEnv(db);
}
