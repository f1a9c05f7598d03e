import type { CompleteSignupRequest, SignupInfoResponse } from '@postern/api';
import { sealSecret } from '@postern/pki';
import { emit } from '../audit/record';
import type { AuthContext } from '../context';
import { AuthError } from '../errors';
import { hashToken } from '../secrets';
import { hashPassword } from '../login/password';
import { checkTotp, newTotpSecret, totpUri } from '../login/totp';

async function findUsableToken(ctx: AuthContext, token: string) {
  const row = await ctx.store.prisma.signupToken.findUnique({ where: { tokenHash: hashToken(token) }, include: { user: true } });
  if (!row) throw new AuthError('not_found', 'this sign-up link is not valid: ask an admin for a new one (postern admin users add)');
  if (row.usedAt) throw new AuthError('conflict', 'this sign-up link was already used: sign in with your password, or ask an admin for a new link');
  if (row.expiresAt <= ctx.now()) {
    throw new AuthError('not_found', `this sign-up link expired at ${row.expiresAt.toISOString()}: ask an admin for a new one`);
  }
  return row;
}

export async function getSignup(ctx: AuthContext, token: string): Promise<SignupInfoResponse> {
  const row = await findUsableToken(ctx, token);
  const sf = ctx.config.auth.second_factor;
  const info: SignupInfoResponse = { user: row.user.name, expires: row.expiresAt.toISOString(), second_factor: sf };
  if (sf === 'otp') {
    const secret = newTotpSecret();
    info.totp = { secret, uri: totpUri(secret, row.user.name, `Postern ${ctx.clusterName}`) };
  }
  return info;
}

export async function completeSignup(ctx: AuthContext, token: string, req: CompleteSignupRequest): Promise<{ user: string }> {
  const row = await findUsableToken(ctx, token);
  let sealedTotp: string | null = null;
  if (ctx.config.auth.second_factor === 'otp') {
    if (!req.totp_secret || !req.otp) {
      throw new AuthError('bad_request', 'this cluster requires a one-time code: add the TOTP secret to your authenticator app and send the secret with its current code');
    }
    if (!checkTotp(req.totp_secret, req.otp)) {
      throw new AuthError('bad_request', 'the one-time code does not match the secret: check the time on your device and try the next code');
    }
    sealedTotp = sealSecret(ctx.masterKey, req.totp_secret, `totp:${row.userId}`);
  }
  const passwordHash = await hashPassword(req.password);
  // Claiming the token and setting the password happen together, or not at all.
  await ctx.store.prisma.$transaction(async (tx) => {
    const claimed = await tx.signupToken.updateMany({ where: { id: row.id, usedAt: null }, data: { usedAt: ctx.now() } });
    if (claimed.count !== 1) throw new AuthError('conflict', 'this sign-up link was already used');
    await tx.user.update({ where: { id: row.userId }, data: { passwordHash, totpSecret: sealedTotp } });
  });
  emit(ctx, 'user.update', { user: row.user.name, name: row.user.name });
  return { user: row.user.name };
}
