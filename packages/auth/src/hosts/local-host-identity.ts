import { randomUUID } from 'node:crypto';
import { createCsr, generateKeyPair, signHostCertificate } from '@postern/pki';
import { caBundleOf, type AuthContext } from '../context';
import { emit } from '../audit/record';
import { HOST_CERT_TTL_MS } from './join';

export interface HostIdentityMaterial {
  hostId: string;
  keyPem: string;
  certPem: string;
  ca: { user: string[]; host: string[]; db_client: string[] };
}

/**
 * A proxy or agent in the same process as the Auth Service needs no join token: it gets its
 * host certificate directly. The key never leaves this process.
 */
export async function issueLocalHostIdentity(
  ctx: AuthContext,
  role: 'proxy' | 'agent',
  names: { hostname: string; dnsNames: string[]; ips: string[] },
): Promise<HostIdentityMaterial> {
  const key = await generateKeyPair();
  const hostId = randomUUID();
  const certPem = signHostCertificate(ctx.cas.host, createCsr(key, hostId), { hostId, role, ...names }, HOST_CERT_TTL_MS, ctx.now());
  emit(ctx, 'cert.create', { user: hostId, cert_type: 'host', identity: { user: hostId, roles: [role] }, expires: new Date(ctx.now().getTime() + HOST_CERT_TTL_MS).toISOString() });
  return { hostId, keyPem: key.privateKeyPem, certPem, ca: caBundleOf(ctx) };
}
