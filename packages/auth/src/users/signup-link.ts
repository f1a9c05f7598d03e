import { randomUUID } from 'node:crypto';
import type { AuthContext } from '../context';
import { hashToken, newToken } from '../secrets';

export async function createSignupLink(ctx: AuthContext, userId: string, ttlMs: number): Promise<{ url: string; expires: Date }> {
  const token = newToken('psu');
  const expires = new Date(ctx.now().getTime() + ttlMs);
  await ctx.store.prisma.signupToken.create({ data: { id: randomUUID(), tokenHash: hashToken(token), userId, expiresAt: expires } });
  return { url: `${ctx.publicUrl}/signup/${token}`, expires };
}
