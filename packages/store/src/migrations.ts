import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreError, reasonOf } from './errors';

export interface Migration {
  /** The folder name, e.g. 0001_init; also the key in postern_migrations. */
  name: string;
  sql: string;
}

/**
 * Relative to this file rather than the working directory, so every command finds the
 * migrations wherever it is started from.
 */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../../prisma/migrations/', import.meta.url));

/** Every `<folder>/migration.sql` under the migrations folder, in folder-name order. */
export async function listMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Promise<Migration[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new StoreError('migrations_unreadable', `cannot read the migrations in ${dir}: ${reasonOf(err)}`, { cause: err });
  }
  // Code-point order, not locale order: the apply order must be the same on every machine.
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const migrations: Migration[] = [];
  for (const name of names) {
    const file = join(dir, name, 'migration.sql');
    try {
      migrations.push({ name, sql: await readFile(file, 'utf8') });
    } catch (err) {
      // A folder without migration.sql is a mistake (a misnamed file?), never skipped:
      // skipping would leave the schema silently behind the code.
      throw new StoreError('migrations_unreadable', `cannot read ${file}: ${reasonOf(err)}`, { cause: err });
    }
  }
  return migrations;
}
