import type { DbSignResponse } from '@postern/api';
import { signDbServerCertificate } from '@postern/pki';
import { parseDuration } from '@postern/rbac';
import { emit } from '../audit/record';
import { caBundleOf, type AuthContext } from '../context';
import { asBadRequest } from './pki-errors';

/**
 * The certificate a PostgreSQL or MySQL server presents, signed by the DB Client CA, which
 * agents trust for database servers unless a database names its own CA.
 */
export function signDbServer(ctx: AuthContext, req: { csr: string; hosts: string[]; ttl: string }, by: string): DbSignResponse {
  const ttl = asBadRequest(() => parseDuration(req.ttl));
  const now = ctx.now();
  const certificate = asBadRequest(() => signDbServerCertificate(ctx.cas.db_client, req.csr, req.hosts, ttl, now));
  const expires = new Date(now.getTime() + ttl).toISOString();
  emit(ctx, 'cert.create', { user: by, cert_type: 'db_server', identity: { user: req.hosts[0] ?? '', roles: [] }, expires });
  return { certificate, expires, ca: caBundleOf(ctx) };
}
