import { listMigrations } from './migrations';
import { openPgliteStore } from './pglite/open';
import { openPostgresStore } from './postgres-store';
import type { OpenStoreOptions, Store } from './store';
import { parseDatabaseUrl } from './url';

/**
 * Opens the store and brings its schema up to date: PGlite in `<dataDir>/store` when no
 * URL is given (one process only), otherwise the PostgreSQL that every replica shares.
 */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const url = opts.url?.trim() ? parseDatabaseUrl(opts.url.trim()) : undefined;
  // Read before opening anything, so a broken checkout fails without touching the data.
  const migrations = await listMigrations(opts.migrationsDir);
  return url ? openPostgresStore(url, migrations) : openPgliteStore(opts.dataDir, migrations, { maintenanceIntervalMs: opts.pgliteMaintenanceIntervalMs });
}
