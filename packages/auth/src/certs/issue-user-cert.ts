import type { CertResponse } from '@postern/api';
import { parseCsr, signUserCertificate } from '@postern/pki';
import { emit } from '../audit/record';
import type { UserCaller } from '../caller';
import { caBundleOf, type AuthContext } from '../context';
import { asBadRequest } from './pki-errors';
import { certTtlMs } from './ttl';

/** A fresh user certificate for a signed-in user; it never outlives the session. */
export async function issueUserCert(ctx: AuthContext, caller: UserCaller, req: { csr: string; ttl?: string }): Promise<CertResponse> {
  asBadRequest(() => parseCsr(req.csr));
  const now = ctx.now();
  const ttl = certTtlMs(req.ttl, caller.roles, caller.expires.getTime() - now.getTime());
  const certificate = asBadRequest(() =>
    signUserCertificate(ctx.cas.user, req.csr, { username: caller.name, roles: caller.roleNames, traits: caller.traits }, ttl, now),
  );
  const expires = new Date(now.getTime() + ttl).toISOString();
  emit(ctx, 'cert.create', { user: caller.name, cert_type: 'user', identity: { user: caller.name, roles: caller.roleNames }, expires });
  return { certificate, expires, ca: caBundleOf(ctx) };
}
