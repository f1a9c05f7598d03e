import type { Command } from 'commander';
import { findMysqlClient } from '../db/client-binaries';
import { clientArgv, shellCommand } from '@postern/api/client-files';
import { clientConfigLocation } from '../db/client-config';
import { describeExpiry, savedConnection } from '../db/login';
import { checkDbName } from '../db/names';
import { CliError } from '../errors';
import { json } from '../output';
import { posternHome, profileFiles } from '../profile';

export function registerDbConfig(db: Command): void {
  db.command('config')
    .description('show how to reach a database you logged in to: addresses and certificate files')
    .argument('<name>', 'the database')
    .option('--format <format>', 'text, json, or cmd (the client command line)', 'text')
    .action((name: string, opts: { format: string }) => {
      if (!['text', 'json', 'cmd'].includes(opts.format)) throw new CliError('--format: text, json or cmd');
      const home = posternHome();
      const { connection: c } = savedConnection(home, checkDbName(name), profileFiles(home).cas.host);
      const where = clientConfigLocation(c.protocol, c.name);
      if (opts.format === 'cmd') {
        console.log(shellCommand(clientArgv(c, findMysqlClient()?.flavor ?? 'mariadb')));
        return;
      }
      if (opts.format === 'json') {
        // Keys and their order are part of the interface: scripts read them.
        console.log(
          json({
            name: c.name,
            protocol: c.protocol,
            host: c.host,
            port: c.port,
            user: c.user,
            database: c.database,
            ca: c.ca,
            cert: c.cert,
            key: c.key,
            expires: c.expires,
            config_file: where.file,
            config_section: where.section,
          }),
        );
        return;
      }
      const rows: [string, string][] = [
        ['Name', `${c.name} (${c.protocol})`],
        ['Host', c.host],
        ['Port', String(c.port)],
        ['User', c.user],
        ['Database', c.database],
        ['CA', c.ca],
        ['Cert', c.cert],
        ['Key', c.key],
        ['Valid until', describeExpiry(c.expires)],
        ['Section', `[${where.section}] in ${where.file}`],
        ['Connect', where.command],
      ];
      for (const [k, v] of rows) console.log(`${`${k}:`.padEnd(13)}${v}`);
    });
}
