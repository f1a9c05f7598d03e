import { randomUUID } from 'node:crypto';
import type { AuthContext } from '../context';
import { hashToken, newToken } from '../secrets';

export type SessionKind = 'web' | 'cli' | 'bot';

export async function createSession(
  ctx: AuthContext,
  userId: string,
  kind: SessionKind,
  expiresAt: Date,
): Promise<{ token: string; id: string; expiresAt: Date }> {
  const token = newToken('pst');
  const id = randomUUID();
  await ctx.store.prisma.webSession.create({ data: { id, tokenHash: hashToken(token), userId, kind, expiresAt } });
  return { token, id, expiresAt };
}
