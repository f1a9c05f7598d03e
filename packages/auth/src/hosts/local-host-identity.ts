import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createCsr, generateKeyPair, signHostCertificate } from '@postern/pki';
import { z } from 'zod';
import { caBundleOf, type AuthContext } from '../context';
import { emit } from '../audit/record';
import { HOST_CERT_TTL_MS } from './join';

export interface HostIdentityMaterial {
  hostId: string;
  keyPem: string;
  certPem: string;
  ca: { user: string[]; host: string[]; db_client: string[] };
}

export type LocalHostRole = 'proxy' | 'agent';

const hostIdsSchema = z.object({ agent: z.uuid().optional(), proxy: z.uuid().optional() });
type HostIds = z.infer<typeof hostIdsSchema>;

/** Where the ids of the proxy and agent that run in the Auth Service's process are kept. */
export function localHostIdsPath(dataDir: string): string {
  return path.join(dataDir, 'host-ids.json');
}

function readHostIds(file: string, warn: (message: string) => void): HostIds {
  if (!existsSync(file)) return {};
  try {
    return hostIdsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    warn(`${file} is unreadable (${(err as Error).message}); new host ids are written in its place`);
    return {};
  }
}

/**
 * The host id of this data dir's proxy or agent: made once, then the same on every start,
 * as a joined agent keeps its own under `agent/identity.json`. Without it every restart
 * registered a new agent and left the last one (and its databases) behind, offline. It
 * lives in the data dir, not the store: replicas that share a PostgreSQL store each run
 * an agent of their own.
 */
export function localHostId(dataDir: string, role: LocalHostRole, warn: (message: string) => void = () => undefined): string {
  const file = localHostIdsPath(dataDir);
  const ids = readHostIds(file, warn);
  return ids[role] ?? writeNewHostId(dataDir, ids, role);
}

/**
 * A new host id for this data dir's proxy or agent, in place of the one it had: after an
 * admin removed (revoked) it, the host of `postern start` itself comes back as a new agent,
 * as a remote one does when it joins again.
 */
export function replaceLocalHostId(dataDir: string, role: LocalHostRole, warn: (message: string) => void = () => undefined): string {
  return writeNewHostId(dataDir, readHostIds(localHostIdsPath(dataDir), warn), role);
}

function writeNewHostId(dataDir: string, ids: HostIds, role: LocalHostRole): string {
  const file = localHostIdsPath(dataDir);
  const hostId = randomUUID();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Written whole and renamed into place: a crash cannot leave half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ ...ids, [role]: hostId }, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  return hostId;
}

/**
 * A proxy or agent in the same process as the Auth Service needs no join token: it gets its
 * host certificate directly, for the host id its data dir keeps (see localHostId). The key
 * is new on every start and never leaves this process.
 */
export async function issueLocalHostIdentity(
  ctx: AuthContext,
  role: LocalHostRole,
  names: { hostname: string; dnsNames: string[]; ips: string[] },
): Promise<HostIdentityMaterial> {
  const key = await generateKeyPair();
  const warn = (message: string) => ctx.log.warn({ role }, message);
  let hostId = localHostId(ctx.dataDir, role, warn);
  const revoked = await ctx.revokedHosts.lookup(hostId);
  if (revoked) {
    // Whoever starts the Auth Service holds its CAs: there is no one to lock out here, only
    // an id that every component now refuses.
    hostId = replaceLocalHostId(ctx.dataDir, role, warn);
    ctx.log.warn({ role, revoked: revoked.hostId, hostId }, `the ${role} of this data dir was removed by ${revoked.revokedBy} at ${revoked.revokedAt.toISOString()}; it starts under a new host id`);
  }
  const certPem = signHostCertificate(ctx.cas.host, createCsr(key, hostId), { hostId, role, ...names }, HOST_CERT_TTL_MS, ctx.now());
  emit(ctx, 'cert.create', { user: hostId, cert_type: 'host', identity: { user: hostId, roles: [role] }, expires: new Date(ctx.now().getTime() + HOST_CERT_TTL_MS).toISOString() });
  return { hostId, keyPem: key.privateKeyPem, certPem, ca: caBundleOf(ctx) };
}
