import { randomUUID } from 'node:crypto';
import type { HeartbeatRequest } from '@postern/api';
import type { HostCaller } from '../caller';
import type { AuthContext } from '../context';
import { AuthError } from '../errors';
import { revokedHostMessage } from './revoked-hosts';

/** An agent says it is alive and which databases it serves; the list replaces the last one. */
export async function heartbeat(ctx: AuthContext, caller: HostCaller, req: HeartbeatRequest): Promise<void> {
  const agentId = caller.host.hostId;
  const now = ctx.now();
  await ctx.store.prisma.$transaction(async (tx) => {
    await tx.agent.upsert({
      where: { id: agentId },
      create: { id: agentId, name: req.name, version: req.version, lastHeartbeat: now },
      update: { name: req.name, version: req.version, lastHeartbeat: now },
    });
    // The caller was checked against the revoked hosts before; a removal that committed since
    // (it deletes this row, so the upsert above waited for it) must not bring the agent back.
    // Asked after the upsert, in this transaction, the store sees it.
    const revoked = await tx.revokedHost.findUnique({ where: { hostId: agentId } });
    if (revoked) {
      ctx.revokedHosts.remember(revoked);
      throw new AuthError('host_removed', revokedHostMessage(revoked));
    }
    await tx.database.deleteMany({ where: { agentId, name: { notIn: req.databases.map((d) => d.name) } } });
    for (const d of req.databases) {
      const fields = { protocol: d.protocol, uri: d.uri, labels: d.labels, serverVersion: d.server_version };
      await tx.database.upsert({
        where: { agentId_name: { agentId, name: d.name } },
        create: { id: randomUUID(), agentId, name: d.name, ...fields },
        update: fields,
      });
    }
  });
}
