import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CliError } from '../errors';
import { writePrivateFile } from './private-file';

// What `postern db login NAME` keeps under POSTERN_HOME/keys/db: the key, the certificate
// and a small record of what they are for, so that config, env, connect and proxy work
// without asking the cluster again.

const record = z.object({
  db_service: z.string(),
  protocol: z.enum(['postgres', 'mysql']),
  db_user: z.string(),
  db_name: z.string(),
  /** Where clients connect: the proxy's PostgreSQL port, or its MySQL port. */
  host: z.string(),
  port: z.number().int(),
  expires: z.string(),
});
export type DbLoginRecord = z.infer<typeof record>;

export interface DbLoginFiles {
  key: string;
  cert: string;
  record: string;
}

export function dbKeysDir(home: string): string {
  return path.join(home, 'keys', 'db');
}

export function dbLoginFiles(home: string, name: string): DbLoginFiles {
  const dir = dbKeysDir(home);
  return { key: path.join(dir, `${name}.key`), cert: path.join(dir, `${name}.crt`), record: path.join(dir, `${name}.json`) };
}

export function saveDbLogin(home: string, rec: DbLoginRecord, keyPem: string, certPem: string): void {
  const f = dbLoginFiles(home, rec.db_service);
  writePrivateFile(f.key, keyPem);
  writePrivateFile(f.cert, certPem);
  writePrivateFile(f.record, JSON.stringify(rec, null, 2) + '\n');
}

export function loadDbLogin(home: string, name: string): DbLoginRecord | null {
  const f = dbLoginFiles(home, name);
  if (!existsSync(f.record) || !existsSync(f.cert) || !existsSync(f.key)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(f.record, 'utf8'));
  } catch {
    raw = undefined;
  }
  const parsed = record.safeParse(raw);
  if (!parsed.success) throw new CliError(`${f.record} is damaged: run \`postern db logout ${name}\` and log in again`);
  return parsed.data;
}

/** Names with a record under keys/db, sorted. */
export function listDbLogins(home: string): string[] {
  const dir = dbKeysDir(home);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** True when something was there to remove. */
export function removeDbLoginFiles(home: string, name: string): boolean {
  const f = dbLoginFiles(home, name);
  const had = [f.key, f.cert, f.record].some((file) => existsSync(file));
  for (const file of [f.key, f.cert, f.record]) rmSync(file, { force: true });
  return had;
}

/** Whether a file path lies inside this home's db key directory (a section we wrote). */
export function isOurKeyPath(home: string, file: string | undefined): boolean {
  if (!file) return false;
  const rel = path.relative(dbKeysDir(home), path.resolve(file));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}
