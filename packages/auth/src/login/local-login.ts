import type { LocalLoginRequest, LoginResponse } from '@postern/api';
import { openSecret, parseCsr, signUserCertificate } from '@postern/pki';
import { emit } from '../audit/record';
import { asBadRequest } from '../certs/pki-errors';
import { certTtlMs } from '../certs/ttl';
import { caBundleOf, type AuthContext } from '../context';
import { AuthError } from '../errors';
import { resolveRoles } from '../roles/resolve-roles';
import { createSession } from '../sessions/create-session';
import { burnPasswordCheck, verifyPassword } from './password';
import { checkTotp } from './totp';

const BAD_CREDENTIALS = 'invalid user name, password or one-time code';

/**
 * Password (+ TOTP when the cluster requires it) and a CSR in, a user certificate and a
 * CLI session out. Every outcome is audited; failures count against the rate limits.
 */
export async function localLogin(ctx: AuthContext, req: LocalLoginRequest, addr: string): Promise<LoginResponse> {
  ctx.limiter.check(req.user, addr);
  // Fail closed: a cluster configured for WebAuthn must never fall back to password only.
  if (ctx.config.auth.second_factor === 'webauthn') {
    throw new AuthError('forbidden', 'this cluster requires WebAuthn, which Postern does not support yet for local users: set auth.second_factor to otp');
  }
  // Refuse a bad CSR before spending a password check on it.
  asBadRequest(() => parseCsr(req.csr));
  const fail = (reason: string, message = BAD_CREDENTIALS, code: 'unauthenticated' | 'otp_required' | 'locked' = 'unauthenticated'): never => {
    ctx.limiter.recordFailure(req.user, addr);
    emit(ctx, 'user.login', { user: req.user, method: 'local', addr, success: false, error: reason });
    throw new AuthError(code, message);
  };

  const user = await ctx.store.prisma.user.findUnique({ where: { name: req.user } });
  if (!user || !user.passwordHash) {
    await burnPasswordCheck(req.password);
    return fail(user ? 'sign-up not completed' : 'unknown user');
  }
  if (!(await verifyPassword(req.password, user.passwordHash))) return fail('wrong password');
  if (ctx.config.auth.second_factor === 'otp') {
    if (!user.totpSecret) return fail('no second factor enrolled', 'this user has no one-time code enrolled: ask an admin for a new sign-up link');
    if (!req.otp) {
      emit(ctx, 'user.login', { user: req.user, method: 'local', addr, success: false, error: 'one-time code missing' });
      throw new AuthError('otp_required', 'this cluster requires a one-time code: add --otp CODE from your authenticator app');
    }
    const secret = openSecret(ctx.masterKey, user.totpSecret, `totp:${user.id}`);
    if (!checkTotp(secret, req.otp)) return fail('wrong one-time code');
  }
  if (user.locked) return fail('user locked', `user ${user.name} is locked; ask an admin to unlock it`, 'locked');

  const roles = await resolveRoles(ctx, user.roles);
  const ttl = certTtlMs(req.ttl, roles);
  const traits = (user.traits ?? {}) as Record<string, string[]>;
  const now = ctx.now();
  const certificate = signUserCertificate(ctx.cas.user, req.csr, { username: user.name, roles: user.roles, traits }, ttl, now);
  const session = await createSession(ctx, user.id, 'cli', new Date(now.getTime() + ttl));
  ctx.limiter.recordSuccess(req.user);
  emit(ctx, 'user.login', { user: user.name, method: 'local', addr, success: true });
  emit(ctx, 'cert.create', {
    user: user.name,
    cert_type: 'user',
    identity: { user: user.name, roles: user.roles },
    expires: session.expiresAt.toISOString(),
  });
  return {
    user: user.name,
    roles: user.roles,
    session_token: session.token,
    expires: session.expiresAt.toISOString(),
    certificate,
    ca: caBundleOf(ctx),
    cluster_name: ctx.clusterName,
  };
}
