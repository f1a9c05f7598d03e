import { randomUUID } from 'node:crypto';
import type { HeartbeatRequest } from '@postern/api';
import type { HostCaller } from '../caller';
import type { AuthContext } from '../context';

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
