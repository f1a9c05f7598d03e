import type { AgentInfo } from '@postern/api';
import type { AuthContext } from '../context';
import { AGENT_OFFLINE_AFTER_MS } from '../databases/list-databases';

/** Online while the last heartbeat is younger than AGENT_OFFLINE_AFTER_MS. */
export function agentStatus(lastHeartbeat: Date | null, now: Date): AgentInfo['status'] {
  return lastHeartbeat !== null && now.getTime() - lastHeartbeat.getTime() < AGENT_OFFLINE_AFTER_MS ? 'online' : 'offline';
}

/** Every agent that ever sent a heartbeat and was not removed, with the databases it last said it serves. */
export async function listAgents(ctx: AuthContext): Promise<AgentInfo[]> {
  const rows = await ctx.store.prisma.agent.findMany({ include: { databases: { orderBy: { name: 'asc' } } }, orderBy: { name: 'asc' } });
  const now = ctx.now();
  return rows.map((a) => ({
    id: a.id,
    name: a.name,
    version: a.version,
    last_heartbeat: a.lastHeartbeat?.toISOString() ?? null,
    status: agentStatus(a.lastHeartbeat, now),
    databases: a.databases.map((d) => ({
      name: d.name,
      protocol: d.protocol,
      uri: d.uri,
      labels: d.labels as Record<string, string>,
      server_version: d.serverVersion,
    })),
  }));
}
