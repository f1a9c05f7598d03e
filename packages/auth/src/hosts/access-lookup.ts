import type { AccessLookupRequest, AccessLookupResponse } from '@postern/api';
import type { HostCaller } from '../caller';
import type { AuthContext } from '../context';
import { resolveRoles } from '../roles/resolve-roles';

/**
 * The roles named in a user's certificate, as they are now, and whether the user is locked.
 * Agents ask before every session (with a short cache), so a changed role or a lock takes
 * effect without waiting for certificates to expire. A removed user counts as locked.
 */
export async function accessLookup(ctx: AuthContext, _caller: HostCaller, req: AccessLookupRequest): Promise<AccessLookupResponse> {
  const user = await ctx.store.prisma.user.findUnique({ where: { name: req.user }, select: { locked: true, roles: true } });
  if (!user) return { locked: true, roles: [] };
  // Only roles the user still has count, whatever the certificate says.
  const current = req.roles.filter((r) => user.roles.includes(r));
  const roles = await resolveRoles(ctx, current);
  return { locked: user.locked, roles: roles as unknown as Record<string, unknown>[] };
}
