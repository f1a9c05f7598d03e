import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listMigrations } from '../../src/index';

/**
 * A migrations folder holding the real migrations plus one that breaks on line 3, to see
 * how a failure is reported and rolled back.
 */
export async function migrationsWithBrokenOne(dir: string): Promise<string> {
  const target = join(dir, 'migrations');
  await mkdir(target, { recursive: true });
  for (const m of await listMigrations()) {
    await mkdir(join(target, m.name));
    await writeFile(join(target, m.name, 'migration.sql'), m.sql);
  }
  await mkdir(join(target, '9999_broken'));
  await writeFile(
    join(target, '9999_broken', 'migration.sql'),
    '-- a table that must not survive the failure\nCREATE TABLE "half_done" (x integer);\nCREATE TABEL "typo" (y integer);\n',
  );
  return target;
}

