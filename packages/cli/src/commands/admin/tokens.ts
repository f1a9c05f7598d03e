import { addTokenResponse } from '@postern/api';
import type { Command } from 'commander';
import { callApi } from '../../http';
import { json } from '../../output';
import { adminTarget } from './client';

export function registerAdminTokens(admin: Command): void {
  const tokens = admin.command('tokens').description('join tokens for agents and proxies');
  tokens
    .command('add')
    .description('create a single-use join token')
    .option('--type <type>', 'agent or proxy', 'agent')
    .option('--ttl <duration>', 'how long it can be used', '1h')
    .option('--format <format>', 'text or json', 'text')
    .action(async (opts: { type: string; ttl: string; format: string }, cmd: Command) => {
      const res = await callApi(adminTarget(cmd), 'POST', '/admin/tokens', addTokenResponse, { type: opts.type, ttl: opts.ttl });
      if (opts.format === 'json') return console.log(json(res));
      console.log(`Join token for a${res.type === 'agent' ? 'n' : ''} ${res.type} (single use, valid until ${res.expires}):`);
      console.log(`  ${res.token}`);
      console.log(`Set it as agent.join_token in the ${res.type}'s postern.yaml (or POSTERN_AGENT_JOIN_TOKEN),`);
      console.log(`and agent.ca_pin: ${res.ca_pin} (or POSTERN_AGENT_CA_PIN) so that it joins only this cluster.`);
    });
}
