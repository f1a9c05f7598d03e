import { createCsr, generateKeyPair } from '@postern/pki';
import { addUserResponse, listUsersResponse, signUserResponse, userInfo } from '@postern/api';
import type { Command } from 'commander';
import path from 'node:path';
import { CliError } from '../../errors';
import { callApi } from '../../http';
import { json, table } from '../../output';
import { saveProfile } from '../../profile';
import { adminTarget } from './client';

/** --traits db_users=alice,app;db_names=app */
function parseTraits(text: string | undefined): Record<string, string[]> {
  if (!text) return {};
  const out: Record<string, string[]> = {};
  for (const part of text.split(';').filter(Boolean)) {
    const m = /^([A-Za-z0-9_.-]+)=(.*)$/.exec(part.trim());
    if (!m) throw new CliError(`--traits: "${part}" is not NAME=V1,V2`);
    out[m[1]!] = m[2]!.split(',').map((v) => v.trim()).filter(Boolean);
  }
  return out;
}

export function registerAdminUsers(admin: Command): void {
  const users = admin.command('users').description('manage users');
  users
    .command('add <name>')
    .description('add a user; prints a one-time sign-up URL')
    .requiredOption('--roles <roles>', 'comma-separated roles, e.g. access,dev')
    .option('--traits <traits>', 'traits for role templates, e.g. "db_users=alice,app;db_names=app"')
    .option('--ttl <duration>', 'how long the sign-up link works', '1h')
    .option('--format <format>', 'text or json', 'text')
    .action(async (name: string, opts: { roles: string; traits?: string; ttl: string; format: string }, cmd: Command) => {
      const roles = opts.roles.split(',').map((r) => r.trim()).filter(Boolean);
      const res = await callApi(adminTarget(cmd), 'POST', '/admin/users', addUserResponse, {
        name,
        roles,
        traits: parseTraits(opts.traits),
        ttl: opts.ttl,
      });
      if (opts.format === 'json') return console.log(json(res));
      console.log(`User ${res.user.name} added with roles ${res.user.roles.join(', ')}.`);
      console.log(`Share this one-time sign-up link with them (valid until ${res.expires}):`);
      console.log(`  ${res.signup_url}`);
    });
  users
    .command('ls')
    .description('list users')
    .option('--format <format>', 'table or json', 'table')
    .action(async (opts: { format: string }, cmd: Command) => {
      const res = await callApi(adminTarget(cmd), 'GET', '/admin/users', listUsersResponse);
      if (opts.format === 'json') return console.log(json(res));
      console.log(
        table(
          ['User', 'Roles', 'State', 'Created'],
          res.users.map((u) => [u.name, u.roles.join(','), u.locked ? 'locked' : u.active ? 'active' : 'invited', u.created]),
        ),
      );
    });
  users
    .command('rm <name>')
    .description('remove a user')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      await callApi(adminTarget(cmd), 'DELETE', `/admin/users/${encodeURIComponent(name)}`, null);
      console.log(`User ${name} removed.`);
    });
  for (const verb of ['lock', 'unlock'] as const) {
    users
      .command(`${verb} <name>`)
      .description(verb === 'lock' ? 'lock a user: sessions end, new logins and certificates are refused' : 'unlock a user')
      .action(async (name: string, _opts: unknown, cmd: Command) => {
        await callApi(adminTarget(cmd), 'POST', `/admin/users/${encodeURIComponent(name)}/${verb}`, userInfo);
        console.log(`User ${name} ${verb}ed.`);
      });
  }
  users
    .command('sign <name>')
    .description('write a ready profile for automation: POSTERN_HOME=DIR postern db login …')
    .requiredOption('--out <dir>', 'folder to write the profile to')
    .option('--ttl <duration>', 'how long it lasts (capped by the roles)', '1h')
    .action(async (name: string, opts: { out: string; ttl: string }, cmd: Command) => {
      const target = adminTarget(cmd);
      const key = await generateKeyPair();
      const res = await callApi(target, 'POST', `/admin/users/${encodeURIComponent(name)}/sign`, signUserResponse, {
        csr: createCsr(key, name),
        ttl: opts.ttl,
      });
      const dir = path.resolve(opts.out);
      saveProfile(
        dir,
        { proxy: target.identity.public_url, user: res.user, roles: res.roles, cluster_name: res.cluster_name, session_token: res.session_token, expires: res.expires },
        key.privateKeyPem,
        res.certificate,
        res.ca,
      );
      console.log(`Profile for ${res.user} written to ${dir} (valid until ${res.expires}).`);
      console.log(`Use it with: POSTERN_HOME=${dir} postern db ls`);
    });
}
