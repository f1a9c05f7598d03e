import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function readIfExists(file: string): string | null {
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

/**
 * Writes a file readable by its owner alone. The new content goes to a temporary file
 * that is renamed over the old one, so that a crash never leaves a half-written
 * ~/.pg_service.conf; a symlinked file (dotfile managers) is written through, not replaced.
 */
export function writePrivateFile(file: string, text: string, dirMode = 0o700): void {
  const target = existsSync(file) ? realpathSync(file) : file;
  mkdirSync(path.dirname(target), { recursive: true, mode: dirMode });
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  // The umask or an existing file of that name may have left other bits.
  chmodSync(tmp, 0o600);
  renameSync(tmp, target);
}
