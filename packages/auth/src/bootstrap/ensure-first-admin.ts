import { randomUUID } from 'node:crypto';
import type { AuthContext } from '../context';
import { createSignupLink } from '../users/signup-link';

export const FIRST_ADMIN = 'admin';

/**
 * While no one has signed up yet, every start prints a fresh one-time link for the first
 * admin. Once any user has a password, nothing is created or printed.
 */
export async function ensureFirstAdmin(ctx: AuthContext): Promise<{ user: string; url: string; expires: Date } | null> {
  const active = await ctx.store.prisma.user.count({ where: { passwordHash: { not: null } } });
  if (active > 0) return null;
  let admin = await ctx.store.prisma.user.findUnique({ where: { name: FIRST_ADMIN } });
  admin ??= await ctx.store.prisma.user.create({ data: { id: randomUUID(), name: FIRST_ADMIN, roles: ['admin'], traits: {} } });
  const link = await createSignupLink(ctx, admin.id, 24 * 3600_000);
  return { user: admin.name, ...link };
}
