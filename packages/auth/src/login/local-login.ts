import type { LocalLoginRequest, LoginResponse } from '@postern/api';
import { openSecret, parseCsr } from '@postern/pki';
import type { Role } from '@postern/rbac';
import { emit } from '../audit/record';
import { asBadRequest } from '../certs/pki-errors';
import type { AuthContext } from '../context';
import { AuthError } from '../errors';
import { resolveRoles } from '../roles/resolve-roles';
import { issueCliLogin } from './cli-login';
import { burnPasswordCheck, verifyPassword } from './password';
import { checkTotp } from './totp';

const BAD_CREDENTIALS = 'invalid user name, password or one-time code';

export interface LocalCredentials {
  user: string;
  password: string;
  otp?: string | undefined;
}

export interface CheckedUser {
  id: string;
  name: string;
  roleNames: string[];
  roles: Role[];
  traits: Record<string, string[]>;
}

/**
 * Password, then TOTP when the cluster requires it, then the lock; every failure is
 * audited and counts against the rate limits. Shared by the CLI and the web sign-in.
 */
export async function checkLocalCredentials(ctx: AuthContext, req: LocalCredentials, addr: string): Promise<CheckedUser> {
  ctx.limiter.check(req.user, addr);
  // Fail closed: a cluster configured for WebAuthn must never fall back to password only.
  if (ctx.config.auth.second_factor === 'webauthn') {
    throw new AuthError('forbidden', 'this cluster requires WebAuthn, which Postern does not support yet for local users: set auth.second_factor to otp');
  }
  const fail = (reason: string, message = BAD_CREDENTIALS, code: 'unauthenticated' | 'otp_required' | 'locked' = 'unauthenticated'): never => {
    ctx.limiter.recordFailure(req.user, addr);
    emit(ctx, 'user.login', { user: req.user, method: 'local', addr, success: false, error: reason });
    throw new AuthError(code, message);
  };

  const user = await ctx.store.prisma.user.findUnique({ where: { name: req.user } });
  if (!user || !user.passwordHash) {
    await burnPasswordCheck(req.password);
    return fail(!user ? 'unknown user' : user.ssoConnector ? `SSO user: signs in through connector ${user.ssoConnector}` : 'sign-up not completed');
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
  ctx.limiter.recordSuccess(req.user);
  emit(ctx, 'user.login', { user: user.name, method: 'local', addr, success: true });
  const roles = await resolveRoles(ctx, user.roles);
  return { id: user.id, name: user.name, roleNames: user.roles, roles, traits: (user.traits ?? {}) as Record<string, string[]> };
}

/** Password (+ TOTP) and a CSR in, a user certificate and a CLI session out. */
export async function localLogin(ctx: AuthContext, req: LocalLoginRequest, addr: string): Promise<LoginResponse> {
  // Refuse a bad CSR before spending a password check on it.
  asBadRequest(() => parseCsr(req.csr));
  const user = await checkLocalCredentials(ctx, req, addr);
  return issueCliLogin(ctx, user, req.csr, req.ttl);
}
