import type { Command } from 'commander';
import { registerAdminAgents } from './agents';
import { registerAdminDbSign } from './db-sign';
import { registerAdminRoles } from './roles';
import { registerAdminTokens } from './tokens';
import { registerAdminUsers } from './users';

export function registerAdmin(program: Command): void {
  const admin = program
    .command('admin')
    .description('administer the cluster (on the host where `postern start` runs)')
    .option('-c, --config <file>', 'the postern.yaml that `postern start` uses')
    .option('-d, --data-dir <dir>', 'the data dir that `postern start` uses (default ./.postern)');
  registerAdminUsers(admin);
  registerAdminRoles(admin);
  registerAdminTokens(admin);
  registerAdminAgents(admin);
  registerAdminDbSign(admin);
}
