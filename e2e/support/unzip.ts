import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';

/** Unpacks a zip into `dir` (keys readable by the owner only, as libpq insists). */
export function unzipInto(zipFile: string, dir: string): string[] {
  const files = unzipSync(new Uint8Array(readFileSync(zipFile)));
  const names: string[] = [];
  for (const [name, data] of Object.entries(files)) {
    const target = path.join(dir, name);
    if (!target.startsWith(dir + path.sep)) throw new Error(`zip entry escapes the folder: ${name}`);
    if (name.endsWith('/')) continue;
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, data);
    if (name.endsWith('.key')) chmodSync(target, 0o600);
    names.push(name);
  }
  return names;
}
