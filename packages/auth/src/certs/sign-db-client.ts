import type { CertResponse, DbClientCertRequest } from '@postern/api';
import { signDbClientCertificate } from '@postern/pki';
import { parseDuration } from '@postern/rbac';
import { emit } from '../audit/record';
import type { HostCaller } from '../caller';
import { caBundleOf, type AuthContext } from '../context';
import { AuthError } from '../errors';
import { asBadRequest } from './pki-errors';

/** Agents authenticate to databases with these; short-lived, so a leaked one soon expires. */
export const MAX_DB_CLIENT_TTL_MS = 12 * 3600_000;

export function signDbClient(ctx: AuthContext, caller: HostCaller, req: DbClientCertRequest): CertResponse {
  const ttl = asBadRequest(() => parseDuration(req.ttl));
  if (ttl > MAX_DB_CLIENT_TTL_MS) throw new AuthError('bad_request', 'ttl: at most 12h for database client certificates');
  const now = ctx.now();
  const certificate = asBadRequest(() => signDbClientCertificate(ctx.cas.db_client, req.csr, req.db_user, ttl, now));
  const expires = new Date(now.getTime() + ttl).toISOString();
  emit(ctx, 'cert.create', { user: caller.host.hostId, cert_type: 'db_client', identity: { user: req.db_user, roles: [] }, expires });
  return { certificate, expires, ca: caBundleOf(ctx) };
}
