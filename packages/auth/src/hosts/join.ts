import { randomUUID } from 'node:crypto';
import type { JoinRequest, JoinResponse } from '@postern/api';
import { parseCsr, signHostCertificate } from '@postern/pki';
import { emit } from '../audit/record';
import { asBadRequest } from '../certs/pki-errors';
import { caBundleOf, type AuthContext } from '../context';
import { AuthError } from '../errors';
import { hashToken } from '../secrets';

/** Host certificates live long; an agent re-joins (or renews) before this runs out. */
export const HOST_CERT_TTL_MS = 90 * 24 * 3600_000;

/** A join token (single use) and a CSR in, a host certificate and the CA bundle out. */
export async function join(ctx: AuthContext, req: JoinRequest, addr: string): Promise<JoinResponse> {
  asBadRequest(() => parseCsr(req.csr));
  const refuse = (why: string, message: string, code: 'unauthenticated' | 'forbidden' = 'unauthenticated'): never => {
    emit(ctx, 'instance.join', { node_name: req.hostname, role: req.role, addr, success: false, error: why });
    throw new AuthError(code, message);
  };
  const hint = `ask an admin for a new one: postern admin tokens add --type ${req.role}`;
  const row = await ctx.store.prisma.joinToken.findUnique({ where: { tokenHash: hashToken(req.token) } });
  if (!row) return refuse('unknown token', `the join token is not valid; ${hint}`);
  if (row.usedAt) return refuse('token used', `the join token was already used at ${row.usedAt.toISOString()}; ${hint}`);
  if (row.expiresAt <= ctx.now()) return refuse('token expired', `the join token expired at ${row.expiresAt.toISOString()}; ${hint}`);
  if (row.type !== req.role) return refuse('wrong token type', `the join token is for a ${row.type}, not a ${req.role}`, 'forbidden');
  const claimed = await ctx.store.prisma.joinToken.updateMany({ where: { id: row.id, usedAt: null }, data: { usedAt: ctx.now() } });
  if (claimed.count !== 1) return refuse('token used', `the join token was already used; ${hint}`);

  const hostId = randomUUID();
  const now = ctx.now();
  const certificate = asBadRequest(() =>
    signHostCertificate(ctx.cas.host, req.csr, { hostId, hostname: req.hostname, role: req.role, dnsNames: [req.hostname] }, HOST_CERT_TTL_MS, now),
  );
  const expires = new Date(now.getTime() + HOST_CERT_TTL_MS).toISOString();
  emit(ctx, 'instance.join', { host_id: hostId, node_name: req.hostname, role: req.role, addr, success: true });
  emit(ctx, 'cert.create', { user: hostId, cert_type: 'host', identity: { user: hostId, roles: [req.role] }, expires });
  return { host_id: hostId, certificate, expires, ca: caBundleOf(ctx) };
}
