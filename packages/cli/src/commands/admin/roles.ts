import { listRolesResponse, roleInfo } from '@postern/api';
import { parseRoleYaml, RbacError, roleToYaml, type Role } from '@postern/rbac';
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { CliError } from '../../errors';
import { callApi } from '../../http';
import { json, table } from '../../output';
import { readStdin } from '../../prompt';
import { adminTarget } from './client';

export function registerAdminRoles(admin: Command): void {
  const roles = admin.command('roles').description('manage roles');
  roles
    .command('ls')
    .description('list roles')
    .option('--format <format>', 'table or json', 'table')
    .action(async (opts: { format: string }, cmd: Command) => {
      const res = await callApi(adminTarget(cmd), 'GET', '/admin/roles', listRolesResponse);
      if (opts.format === 'json') return console.log(json(res));
      console.log(table(['Role', 'Kind'], res.roles.map((r) => [r.name, r.builtin ? 'built-in' : 'custom'])));
    });
  roles
    .command('get <name>')
    .description('print a role as YAML')
    .option('--format <format>', 'yaml or json', 'yaml')
    .action(async (name: string, opts: { format: string }, cmd: Command) => {
      const res = await callApi(adminTarget(cmd), 'GET', `/admin/roles/${encodeURIComponent(name)}`, roleInfo);
      console.log(opts.format === 'json' ? json(res.role) : roleToYaml(res.role as Role).trimEnd());
    });
  roles
    .command('apply')
    .description('create or replace a role from a YAML file')
    .requiredOption('-f, --file <file>', 'role YAML (- for standard input)')
    .action(async (opts: { file: string }, cmd: Command) => {
      const text = opts.file === '-' ? await readStdin() : readFileSync(opts.file, 'utf8');
      let role: Role;
      try {
        role = parseRoleYaml(text);
      } catch (err) {
        if (err instanceof RbacError) throw new CliError(`${opts.file}: ${err.message}`);
        throw err;
      }
      const res = await callApi(adminTarget(cmd), 'POST', '/admin/roles', roleInfo, { role });
      console.log(`Role ${res.name} applied.`);
    });
  roles
    .command('rm <name>')
    .description('remove a role')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      await callApi(adminTarget(cmd), 'DELETE', `/admin/roles/${encodeURIComponent(name)}`, null);
      console.log(`Role ${name} removed.`);
    });
}
