import { listAgentsResponse, type AgentInfo } from '@postern/api';
import type { Command } from 'commander';
import { CliError } from '../../errors';
import { callApi } from '../../http';
import { json, table } from '../../output';
import { adminTarget } from './client';

/** An agent by id, or by a name only one agent has. */
function findAgent(agents: AgentInfo[], ref: string): AgentInfo {
  const byId = agents.find((a) => a.id === ref);
  if (byId) return byId;
  const named = agents.filter((a) => a.name === ref);
  if (named.length === 1) return named[0]!;
  if (named.length > 1) throw new CliError(`${named.length} agents are called ${ref}; name one by id: ${named.map((a) => a.id).join(', ')}`);
  throw new CliError(`no agent ${ref}; see postern admin agents ls`);
}

export function registerAdminAgents(admin: Command): void {
  const agents = admin.command('agents').description('the agents that registered, and removing (revoking) those gone for good or compromised');
  agents
    .command('ls')
    .description('list agents with their status and databases')
    .option('--format <format>', 'table or json', 'table')
    .action(async (opts: { format: string }, cmd: Command) => {
      const res = await callApi(adminTarget(cmd), 'GET', '/admin/agents', listAgentsResponse);
      if (opts.format === 'json') return console.log(json(res));
      console.log(
        table(
          ['Id', 'Name', 'Status', 'Last heartbeat', 'Databases'],
          res.agents.map((a) => [a.id, a.name, a.status, a.last_heartbeat ?? '-', a.databases.map((d) => d.name).join(',')]),
        ),
      );
    });
  agents
    .command('rm <agent>')
    .description(
      'remove an agent (by id, or by name when only one has it) with the databases it registered, and revoke its host: ' +
        'its certificate is refused from then on and proxies close its tunnels, so it must join again with a new token. ' +
        'An online agent is removed only with --force',
    )
    .option('--force', 'remove it even while it is online (a compromised host that still runs): its tunnels and sessions are cut at once')
    .action(async (ref: string, opts: { force?: boolean }, cmd: Command) => {
      const target = adminTarget(cmd);
      const agent = findAgent((await callApi(target, 'GET', '/admin/agents', listAgentsResponse)).agents, ref);
      await callApi(target, 'DELETE', `/admin/agents/${encodeURIComponent(agent.id)}${opts.force ? '?force=true' : ''}`, null);
      const dbs = agent.databases.length ? `, with ${agent.databases.map((d) => d.name).join(', ')}` : '';
      console.log(`Agent ${agent.name} (${agent.id}) removed${dbs}; its host is revoked: to serve again it must join with a new token (postern admin tokens add --type agent).`);
    });
}
