import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { hashToken, newToken } from '../secrets';

/**
 * `postern admin …` runs next to the Auth Service and talks to it over HTTP with this
 * identity, as tctl does: PGlite admits one process, so admin commands cannot open the
 * store themselves. A new token is written on every start; only its hash stays in memory.
 */
export const adminIdentitySchema = z.object({
  url: z.string(),
  public_url: z.string(),
  token: z.string(),
  cluster_name: z.string(),
  pid: z.number(),
});
export type AdminIdentityFile = z.infer<typeof adminIdentitySchema>;

export function adminIdentityPath(dataDir: string): string {
  return path.join(dataDir, 'admin.json');
}

export function writeAdminIdentity(dataDir: string, fields: Omit<AdminIdentityFile, 'token' | 'pid'>): { tokenHash: string } {
  const token = newToken('pad');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = adminIdentityPath(dataDir);
  const body: AdminIdentityFile = { ...fields, token, pid: process.pid };
  writeFileSync(file, JSON.stringify(body, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return { tokenHash: hashToken(token) };
}

export function readAdminIdentity(dataDir: string): AdminIdentityFile {
  return adminIdentitySchema.parse(JSON.parse(readFileSync(adminIdentityPath(dataDir), 'utf8')));
}
