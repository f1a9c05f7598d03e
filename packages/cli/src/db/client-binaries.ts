import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { MysqlFlavor } from '@postern/api/client-files';

/** The first of `names` that is an executable on PATH, as an absolute path. */
export function findOnPath(names: readonly string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const name of names) {
    for (const dir of dirs) {
      const file = path.join(dir, name);
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // not here; keep looking
      }
    }
  }
  return undefined;
}

export type { MysqlFlavor };

export interface MysqlClient {
  bin: string;
  flavor: MysqlFlavor;
}

/**
 * The MySQL-protocol client on PATH. `mariadb` first: on MariaDB systems `mysql` is a
 * deprecated alias of it. The flavor matters for the option file: Oracle's client since
 * 8.0 knows only `ssl-mode=VERIFY_IDENTITY`, MariaDB's only `ssl-verify-server-cert`, and
 * each refuses the other's option.
 */
export function findMysqlClient(env: NodeJS.ProcessEnv = process.env): MysqlClient | undefined {
  const bin = findOnPath(['mariadb', 'mysql'], env);
  if (!bin) return undefined;
  if (path.basename(bin) === 'mariadb') return { bin, flavor: 'mariadb' };
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 5_000 });
  const text = `${version.stdout ?? ''}${version.stderr ?? ''}`;
  return { bin, flavor: /mariadb/i.test(text) || !/mysql/i.test(text) ? 'mariadb' : 'mysql' };
}
