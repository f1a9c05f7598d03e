import type { SignUserResponse } from '@postern/api';
import { signUserCertificate } from '@postern/pki';
import { emit } from '../audit/record';
import { caBundleOf, type AuthContext } from '../context';
import { AuthError } from '../errors';
import { resolveRoles } from '../roles/resolve-roles';
import { createSession } from '../sessions/create-session';
import { asBadRequest } from './pki-errors';
import { certTtlMs } from './ttl';

/** `postern admin users sign`: a ready profile (certificate + session) for automation. */
export async function signBotUser(ctx: AuthContext, name: string, req: { csr: string; ttl?: string }, by: string): Promise<SignUserResponse> {
  const user = await ctx.store.prisma.user.findUnique({ where: { name } });
  if (!user) throw new AuthError('not_found', `no user ${name}`);
  if (user.locked) throw new AuthError('locked', `user ${name} is locked; unlock it first`);
  const roles = await resolveRoles(ctx, user.roles);
  const ttl = certTtlMs(req.ttl ?? '1h', roles);
  const now = ctx.now();
  const traits = (user.traits ?? {}) as Record<string, string[]>;
  const certificate = asBadRequest(() => signUserCertificate(ctx.cas.user, req.csr, { username: name, roles: user.roles, traits }, ttl, now));
  const session = await createSession(ctx, user.id, 'bot', new Date(now.getTime() + ttl));
  emit(ctx, 'cert.create', { user: by, cert_type: 'user', identity: { user: name, roles: user.roles }, expires: session.expiresAt.toISOString() });
  return {
    user: name,
    roles: user.roles,
    certificate,
    session_token: session.token,
    expires: session.expiresAt.toISOString(),
    ca: caBundleOf(ctx),
    cluster_name: ctx.clusterName,
  };
}
