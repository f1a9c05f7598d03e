import type { UserInfo } from '@postern/api';
import { emit } from '../audit/record';
import type { AuthContext } from '../context';
import { AuthError } from '../errors';
import { toUserInfo } from './user-info';

export async function listUsers(ctx: AuthContext): Promise<UserInfo[]> {
  const users = await ctx.store.prisma.user.findMany({ orderBy: { name: 'asc' } });
  return users.map(toUserInfo);
}

export async function removeUser(ctx: AuthContext, name: string, by: string): Promise<void> {
  const removed = await ctx.store.prisma.user.deleteMany({ where: { name } });
  if (removed.count === 0) throw new AuthError('not_found', `no user ${name}`);
  emit(ctx, 'user.delete', { user: by, name });
}

/** Locking revokes every session of the user at once; its certificates are refused on their next check. */
export async function setUserLocked(ctx: AuthContext, name: string, locked: boolean, by: string): Promise<UserInfo> {
  const user = await ctx.store.prisma.user.findUnique({ where: { name } });
  if (!user) throw new AuthError('not_found', `no user ${name}`);
  const updated = await ctx.store.prisma.$transaction(async (tx) => {
    const u = await tx.user.update({ where: { id: user.id }, data: { locked } });
    if (locked) await tx.webSession.updateMany({ where: { userId: user.id, revokedAt: null }, data: { revokedAt: ctx.now() } });
    return u;
  });
  emit(ctx, 'user.update', { user: by, name });
  return toUserInfo(updated);
}
