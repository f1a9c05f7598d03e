import type { CertResponse, DbCertRequest } from '@postern/api';
import { signUserCertificate } from '@postern/pki';
import { checkDatabaseAccess, unknownDatabaseMessage, type DatabaseResource } from '@postern/rbac';
import { emit } from '../audit/record';
import type { UserCaller } from '../caller';
import { caBundleOf, type AuthContext } from '../context';
import { AuthError } from '../errors';
import { visibleDatabaseNames } from '../databases/list-databases';
import { asBadRequest } from './pki-errors';
import { certTtlMs } from './ttl';

/**
 * A user certificate carrying a route (database, protocol, db user, db name). It is
 * issued only for what the user's roles allow; the proxy and the agent check again.
 */
export async function issueDbCert(ctx: AuthContext, caller: UserCaller, req: DbCertRequest): Promise<CertResponse> {
  const rows = await ctx.store.prisma.database.findMany({ where: { name: req.db_service } });
  const subject = { username: caller.name, roles: caller.roles, traits: caller.traits };
  const first = rows[0];
  const db: DatabaseResource | undefined = first && { name: first.name, protocol: first.protocol, labels: first.labels as Record<string, string> };
  const visible = await visibleDatabaseNames(ctx, caller);
  if (!db || !visible.includes(db.name)) {
    throw new AuthError('not_found', unknownDatabaseMessage(req.db_service, visible));
  }
  const decision = checkDatabaseAccess(subject, db, { dbUser: req.db_user, dbName: req.db_name });
  if (!decision.allowed) {
    emit(ctx, 'cert.create', {
      user: caller.name,
      cert_type: 'db',
      identity: { user: caller.name, roles: caller.roleNames },
      expires: ctx.now().toISOString(),
      success: false,
      error: decision.reason,
    });
    throw new AuthError('forbidden', decision.reason);
  }
  const now = ctx.now();
  const ttl = certTtlMs(req.ttl, caller.roles, caller.expires.getTime() - now.getTime());
  const route = { service: db.name, protocol: db.protocol as 'postgres' | 'mysql', username: req.db_user, database: req.db_name };
  const certificate = asBadRequest(() =>
    signUserCertificate(ctx.cas.user, req.csr, { username: caller.name, roles: caller.roleNames, traits: caller.traits, route }, ttl, now),
  );
  const expires = new Date(now.getTime() + ttl).toISOString();
  emit(ctx, 'cert.create', { user: caller.name, cert_type: 'db', identity: { user: caller.name, roles: caller.roleNames, route }, expires });
  return { certificate, expires, ca: caBundleOf(ctx) };
}
