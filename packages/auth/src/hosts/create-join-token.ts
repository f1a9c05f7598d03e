import { randomUUID } from 'node:crypto';
import type { AddTokenResponse } from '@postern/api';
import { certificateFingerprint } from '@postern/pki';
import { parseDuration } from '@postern/rbac';
import { emit } from '../audit/record';
import type { AuthContext } from '../context';
import { hashToken, newToken } from '../secrets';

export async function createJoinToken(ctx: AuthContext, req: { type: 'agent' | 'proxy'; ttl: string }, by: string): Promise<AddTokenResponse> {
  const token = newToken('pjt');
  const expires = new Date(ctx.now().getTime() + parseDuration(req.ttl));
  await ctx.store.prisma.joinToken.create({
    data: { id: randomUUID(), tokenHash: hashToken(token), type: req.type, expiresAt: expires, createdBy: by },
  });
  emit(ctx, 'join_token.create', { user: by, token_type: req.type, expires: expires.toISOString() });
  return { token, type: req.type, expires: expires.toISOString(), ca_pin: `sha256:${certificateFingerprint(ctx.cas.host.certPem)}` };
}
