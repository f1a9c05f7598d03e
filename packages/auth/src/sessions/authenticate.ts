import { checkHostRequestSignature, HOST_SIGNATURE_SCHEME } from '@postern/api';
import { builtinRoles, } from '@postern/rbac';
import { PkiError, VerifiedCertificates, verifyHostCertificate, type HostIdentity } from '@postern/pki';
import type { AdminCaller, Caller, HostCaller, UserCaller } from '../caller';
import type { AuthContext } from '../context';
import { AuthError } from '../errors';
import { resolveRoles } from '../roles/resolve-roles';
import { hashToken, sameHash } from '../secrets';

export interface RequestFacts {
  method: string;
  path: string;
  body: string;
}

export interface AdminIdentity {
  tokenHash: string;
}

/**
 * Who is calling: a user's session (Bearer), the data-dir admin identity (Bearer), or a
 * host signing with its certificate (PosternHost). Every failure is a 401 with a message
 * that says what to do.
 */
export async function authenticate(
  ctx: AuthContext,
  admin: AdminIdentity,
  authorization: string | null,
  req: RequestFacts,
): Promise<Caller> {
  if (!authorization) throw new AuthError('unauthenticated', 'not signed in: run `postern login --proxy HOST:PORT`');
  if (authorization.startsWith(`${HOST_SIGNATURE_SCHEME} `)) return authenticateHost(ctx, authorization, req);
  const m = /^Bearer ([A-Za-z0-9_-]{8,200})$/.exec(authorization);
  if (!m) throw new AuthError('unauthenticated', 'malformed Authorization header: expected "Bearer <token>"');
  const tokenHash = hashToken(m[1]!);
  if (sameHash(tokenHash, admin.tokenHash)) return adminCaller();
  return authenticateUser(ctx, tokenHash);
}

function adminCaller(): AdminCaller {
  return { kind: 'admin', name: 'postern-admin', roleNames: ['admin'], roles: [builtinRoles.admin], expires: new Date(8.64e15) };
}

/** A browser's session cookie: only sessions started in a browser count (not CLI tokens). */
export async function authenticateWebSession(ctx: AuthContext, token: string): Promise<UserCaller> {
  if (!/^[A-Za-z0-9_-]{8,200}$/.test(token)) throw new AuthError('unauthenticated', 'your session cookie is malformed: sign in again');
  const caller = await authenticateUser(ctx, hashToken(token));
  if (caller.sessionKind !== 'web') throw new AuthError('unauthenticated', 'this session is not a browser session: sign in again');
  return caller;
}

async function authenticateUser(ctx: AuthContext, tokenHash: string): Promise<UserCaller> {
  const session = await ctx.store.prisma.webSession.findUnique({ where: { tokenHash }, include: { user: true } });
  const now = ctx.now();
  if (!session || session.revokedAt) {
    throw new AuthError('unauthenticated', 'your session is not valid (signed out or revoked): run `postern login` again');
  }
  if (session.expiresAt <= now) {
    throw new AuthError('unauthenticated', `your session expired at ${session.expiresAt.toISOString()}: run \`postern login\` again`);
  }
  if (session.user.locked) throw new AuthError('locked', `user ${session.user.name} is locked; ask an admin to unlock it`);
  const roles = await resolveRoles(ctx, session.user.roles);
  return {
    kind: 'user',
    userId: session.user.id,
    name: session.user.name,
    roleNames: session.user.roles,
    roles,
    traits: (session.user.traits ?? {}) as Record<string, string[]>,
    sessionId: session.id,
    sessionKind: session.kind,
    expires: session.expiresAt,
  };
}

/**
 * Host certificates verified lately, by Host CA and certificate: an agent signs every audit
 * batch, heartbeat and access lookup with the same certificate, and forge's parse and
 * signature check took about 0.5–0.9 ms of each. Revocation is looked up on every request.
 */
const verifiedHosts = new WeakMap<object, VerifiedCertificates<HostIdentity>>();

/** One cache per Host CA (a process may hold several Auth Services: tests, replicas). */
function verifiedHostsFor(hostCa: object): VerifiedCertificates<HostIdentity> {
  let certs = verifiedHosts.get(hostCa);
  if (!certs) verifiedHosts.set(hostCa, (certs = new VerifiedCertificates<HostIdentity>()));
  return certs;
}

/** A host signing with its certificate; a removed (revoked) one is marked, and requireHost refuses it. */
async function authenticateHost(ctx: AuthContext, header: string, req: RequestFacts): Promise<HostCaller> {
  const checked = checkHostRequestSignature(header, { ...req, now: ctx.now().getTime() });
  if (!checked.ok) throw new AuthError('unauthenticated', checked.reason);
  let host;
  try {
    const now = ctx.now();
    const key = `${ctx.clusterName}\u0000${checked.certDer.toString('base64')}`;
    host = verifiedHostsFor(ctx.cas.host).get(key, () => verifyHostCertificate(checked.certDer, { trusted: [ctx.cas.host.certPem], clusterName: ctx.clusterName, now }), now.getTime());
  } catch (err) {
    if (err instanceof PkiError) throw new AuthError('unauthenticated', err.message);
    throw err;
  }
  const revoked = await ctx.revokedHosts.lookup(host.hostId);
  return revoked ? { kind: 'host', host, revoked } : { kind: 'host', host };
}
