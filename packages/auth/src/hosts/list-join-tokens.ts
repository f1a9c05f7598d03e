import type { JoinTokenInfo } from '@postern/api';
import type { AuthContext } from '../context';

/** Join tokens that can still matter: unexpired ones, used or not. Only the hash is stored, so no token can leak here. */
export async function listJoinTokens(ctx: AuthContext): Promise<JoinTokenInfo[]> {
  const rows = await ctx.store.prisma.joinToken.findMany({ where: { expiresAt: { gt: ctx.now() } }, orderBy: { createdAt: 'desc' } });
  return rows.map((t) => ({
    id: t.id,
    type: t.type,
    expires: t.expiresAt.toISOString(),
    used: t.usedAt !== null,
    created_by: t.createdBy,
    created: t.createdAt.toISOString(),
  }));
}
