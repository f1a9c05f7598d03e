import type { DatabaseInfo } from '@postern/api';
import { allowedDbNames, allowedDbUsers, canSeeDatabase } from '@postern/rbac';
import type { AdminCaller, UserCaller } from '../caller';
import type { AuthContext } from '../context';

/** An agent that has not sent a heartbeat for this long counts as offline. */
export const AGENT_OFFLINE_AFTER_MS = 90_000;

interface Row {
  name: string;
  protocol: string;
  labels: unknown;
  serverVersion: string;
  agent: { lastHeartbeat: Date | null };
}

/**
 * The databases the caller's roles let them see. Several agents may serve one database
 * (HA): they show as one entry, online while any of them is.
 */
export async function listDatabases(ctx: AuthContext, caller: UserCaller | AdminCaller): Promise<DatabaseInfo[]> {
  const rows: Row[] = await ctx.store.prisma.database.findMany({
    include: { agent: { select: { lastHeartbeat: true } } },
    orderBy: { name: 'asc' },
  });
  const subject = { username: caller.name, roles: caller.roles, traits: caller.kind === 'user' ? caller.traits : {} };
  const now = ctx.now().getTime();
  const byName = new Map<string, DatabaseInfo>();
  for (const row of rows) {
    const db = { name: row.name, protocol: row.protocol, labels: row.labels as Record<string, string> };
    if (!canSeeDatabase(subject, db)) continue;
    const online = row.agent.lastHeartbeat !== null && now - row.agent.lastHeartbeat.getTime() < AGENT_OFFLINE_AFTER_MS;
    const seen = byName.get(row.name);
    if (seen) {
      seen.agents += 1;
      if (online) seen.status = 'online';
      continue;
    }
    byName.set(row.name, {
      name: row.name,
      protocol: row.protocol as 'postgres' | 'mysql',
      labels: db.labels,
      status: online ? 'online' : 'offline',
      agents: 1,
      server_version: row.serverVersion,
      db_users: allowedDbUsers(subject, db),
      db_names: allowedDbNames(subject, db),
    });
  }
  return [...byName.values()];
}

export async function visibleDatabaseNames(ctx: AuthContext, caller: UserCaller | AdminCaller): Promise<string[]> {
  return (await listDatabases(ctx, caller)).map((d) => d.name);
}
