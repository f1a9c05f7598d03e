import { emit } from '../audit/record';
import type { AuthContext } from '../context';
import { AuthError } from '../errors';
import { agentStatus } from './list-agents';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Forgets an agent that is gone for good, with the databases it said it serves. A running
 * agent would register again with its next heartbeat, so one that is online is refused.
 * Its host certificate stays valid until it expires: this tidies the lists, it does not
 * lock the host out.
 */
export async function removeAgent(ctx: AuthContext, id: string, by: string): Promise<void> {
  const agent = UUID.test(id) ? await ctx.store.prisma.agent.findUnique({ where: { id }, include: { databases: { select: { name: true } } } }) : null;
  if (!agent) throw new AuthError('not_found', `no agent ${id}`);
  if (agentStatus(agent.lastHeartbeat, ctx.now()) === 'online') {
    const ago = Math.round((ctx.now().getTime() - agent.lastHeartbeat!.getTime()) / 1000);
    throw new AuthError(
      'conflict',
      `agent ${agent.name} is online (last heartbeat ${ago} s ago): stop it first, or it registers again with its next heartbeat`,
    );
  }
  // The heartbeat test and the delete are one statement: an agent that came back meanwhile stays.
  const removed = await ctx.store.prisma.agent.deleteMany({ where: { id, lastHeartbeat: agent.lastHeartbeat } });
  if (removed.count === 0) throw new AuthError('conflict', `agent ${agent.name} sent a heartbeat just now; it is online again`);
  emit(ctx, 'agent.delete', { user: by, host_id: id, name: agent.name, databases: agent.databases.map((d) => d.name).sort() });
}
