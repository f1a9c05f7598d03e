import type { LoginResponse } from '@postern/api';
import { signUserCertificate } from '@postern/pki';
import { emit } from '../audit/record';
import { asBadRequest } from '../certs/pki-errors';
import { certTtlMs } from '../certs/ttl';
import { caBundleOf, type AuthContext } from '../context';
import { createSession } from '../sessions/create-session';
import type { CheckedUser } from './local-login';

/**
 * What `postern login` gets once the person is known, however they proved it (password,
 * OIDC, SAML): a user certificate for the CSR and a CLI session, both capped by the roles.
 */
export async function issueCliLogin(ctx: AuthContext, user: CheckedUser, csr: string, ttlRequest?: string): Promise<LoginResponse> {
  const ttl = certTtlMs(ttlRequest, user.roles);
  const now = ctx.now();
  const certificate = asBadRequest(() =>
    signUserCertificate(ctx.cas.user, csr, { username: user.name, roles: user.roleNames, traits: user.traits }, ttl, now),
  );
  const session = await createSession(ctx, user.id, 'cli', new Date(now.getTime() + ttl));
  emit(ctx, 'cert.create', {
    user: user.name,
    cert_type: 'user',
    identity: { user: user.name, roles: user.roleNames },
    expires: session.expiresAt.toISOString(),
  });
  return {
    user: user.name,
    roles: user.roleNames,
    session_token: session.token,
    expires: session.expiresAt.toISOString(),
    certificate,
    ca: caBundleOf(ctx),
    cluster_name: ctx.clusterName,
  };
}
