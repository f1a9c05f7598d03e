import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Owner {
  uid: number;
  gid: number;
}

/**
 * Writes a certificate, key or config file. Keys get 0600 because libpq and PgBouncer refuse keys others can
 * read; with an owner, the file goes to that account (PgBouncer runs as postgres).
 */
export function writeOwnedFile(dir: string, name: string, pem: string, opts: { key?: boolean; owner?: Owner } = {}): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, pem, { mode: opts.key ? 0o600 : 0o644 });
  chmodSync(file, opts.key ? 0o600 : 0o644);
  if (opts.owner) chownSync(file, opts.owner.uid, opts.owner.gid);
  return file;
}
