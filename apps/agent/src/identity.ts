import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { joinResponse } from '@postern/api';
import { certificateExpiry, certificateFingerprint, createCsr, generateKeyPair } from '@postern/pki';
import { z } from 'zod';
import { AuthClient } from './auth-client';

export const agentIdentitySchema = z.object({
  hostId: z.string(),
  keyPem: z.string(),
  certPem: z.string(),
  ca: z.object({ user: z.array(z.string()), host: z.array(z.string()), db_client: z.array(z.string()) }),
});
export type AgentIdentity = z.infer<typeof agentIdentitySchema>;

export class JoinError extends Error {
  override name = 'JoinError';
}

function identityFile(dataDir: string): string {
  return path.join(dataDir, 'agent', 'identity.json');
}

export function saveIdentity(dataDir: string, id: AgentIdentity): void {
  const file = identityFile(dataDir);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(id, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** The identity kept from an earlier join, while its certificate has a day left. */
export function loadIdentity(dataDir: string): AgentIdentity | null {
  const file = identityFile(dataDir);
  if (!existsSync(file)) return null;
  const id = agentIdentitySchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  return certificateExpiry(id.certPem).getTime() - Date.now() > 24 * 3600_000 ? id : null;
}

/**
 * Joins the cluster with a single-use token. The agent knows no CA yet, so the first call
 * cannot verify the proxy's certificate; with `caPin` (sha256 of the Host CA certificate,
 * as `postern start` prints it) the answer is checked against the pin before it is trusted.
 */
export async function join(opts: { proxyAddr: string; token: string; caPin?: string; dataDir: string }): Promise<AgentIdentity> {
  if (!opts.token) {
    throw new JoinError('this agent has not joined the cluster yet: set agent.join_token (from `postern admin tokens add --type agent`)');
  }
  const key = await generateKeyPair();
  const hostname = os.hostname();
  const client = new AuthClient(`https://${opts.proxyAddr}`, null, { insecure: true });
  let res;
  try {
    res = await client.call('POST', '/join', { token: opts.token, csr: createCsr(key, hostname), hostname, role: 'agent' }, joinResponse);
  } catch (err) {
    throw new JoinError(`cannot join through ${opts.proxyAddr}: ${(err as Error).message}`);
  } finally {
    client.close();
  }
  const hostCa = res.ca.host[0] ?? '';
  if (opts.caPin && certificateFingerprint(hostCa) !== opts.caPin.replace(/^sha256:/, '').toLowerCase()) {
    throw new JoinError(`the cluster's Host CA does not match agent.ca_pin: refusing to join (is ${opts.proxyAddr} the right proxy?)`);
  }
  const id: AgentIdentity = { hostId: res.host_id, keyPem: key.privateKeyPem, certPem: res.certificate, ca: res.ca };
  saveIdentity(opts.dataDir, id);
  return id;
}
