import { emit } from '../audit/record';
import type { AuthContext } from '../context';
import { AuthError } from '../errors';
import { agentStatus } from './list-agents';
import type { RevokedHost } from './revoked-hosts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface RemoveAgentOptions {
  /** Remove it even while it is online: how a compromised host that still runs is locked out. */
  force?: boolean;
}

/**
 * Forgets an agent with the databases it said it serves, and revokes its host id: its host
 * certificate (valid until it expires) is refused from then on by the Auth Service (no
 * heartbeat, no DB Client CA certificate) and by the proxies (no tunnel), so the machine
 * must join again with a new token, which gives it a new host id.
 *
 * An online agent is refused unless `force`: removing one by mistake cuts every session it
 * carries, and an agent that only restarts looks the same as one gone for good.
 */
export async function removeAgent(ctx: AuthContext, id: string, by: string, opts: RemoveAgentOptions = {}): Promise<void> {
  const agent = UUID.test(id) ? await ctx.store.prisma.agent.findUnique({ where: { id }, include: { databases: { select: { name: true } } } }) : null;
  if (!agent) throw new AuthError('not_found', `no agent ${id}`);
  const online = agentStatus(agent.lastHeartbeat, ctx.now()) === 'online';
  if (online && !opts.force) {
    const ago = Math.round((ctx.now().getTime() - agent.lastHeartbeat!.getTime()) / 1000);
    throw new AuthError(
      'conflict',
      `agent ${agent.name} is online (last heartbeat ${ago} s ago): stop it first, or remove it anyway with --force ` +
        '(`postern admin agents rm ID --force`), which cuts its tunnels and sessions at once',
    );
  }
  const revocation: RevokedHost = { hostId: id, name: agent.name, revokedAt: ctx.now(), revokedBy: by };
  const revoked = await ctx.store.prisma.$transaction(async (tx) => {
    // Without force, the heartbeat test and the delete are one statement: an agent that came
    // back meanwhile is online now, and removing that one needs force.
    const removed = await tx.agent.deleteMany({ where: opts.force ? { id } : { id, lastHeartbeat: agent.lastHeartbeat } });
    if (removed.count === 0) throw new AuthError('conflict', `agent ${agent.name} sent a heartbeat just now; it is online again (remove it with --force)`);
    // A host id revoked before (a removal that raced this one) stays revoked as it was.
    return tx.revokedHost.upsert({ where: { hostId: id }, create: revocation, update: {} });
  });
  // In effect in this process at once; other replicas read it within REVOKED_HOSTS_REFRESH_MS.
  ctx.revokedHosts.remember(revoked);
  emit(ctx, 'agent.delete', {
    user: by,
    host_id: id,
    name: agent.name,
    databases: agent.databases.map((d) => d.name).sort(),
    revoked: true,
    forced: online,
  });
}
