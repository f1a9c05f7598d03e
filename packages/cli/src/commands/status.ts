import type { Command } from 'commander';
import { json } from '../output';
import { loadProfile } from '../profile';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show who you are logged in as, where, and until when')
    .option('--format <format>', 'text or json', 'text')
    .action((opts: { format: string }) => {
      const p = loadProfile();
      const expired = p ? new Date(p.expires).getTime() <= Date.now() : false;
      if (opts.format === 'json') {
        console.log(json(p ? { logged_in: !expired, proxy: p.proxy, user: p.user, roles: p.roles, cluster_name: p.cluster_name, expires: p.expires } : { logged_in: false }));
        return;
      }
      if (!p) {
        console.log('Not logged in: run `postern login --proxy HOST:PORT`.');
        return;
      }
      console.log(`Proxy:       ${p.proxy}`);
      console.log(`Cluster:     ${p.cluster_name}`);
      console.log(`User:        ${p.user}`);
      console.log(`Roles:       ${p.roles.join(', ')}`);
      console.log(`Valid until: ${p.expires}${expired ? '  (EXPIRED: run postern login)' : ''}`);
    });
}
