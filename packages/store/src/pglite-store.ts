import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Transaction } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { StoreError, reasonOf } from './errors';
import { PrismaClient } from './generated/prisma/client';
import { lockDataDir } from './lock-file';
import { applyMigrations } from './migrate';
import type { MigrationConnection, MigrationTx } from './migrate';
import type { Migration } from './migrations';
import { startMaintenance } from './pglite-maintenance';
import { once } from './store';
import type { Store } from './store';

export async function openPgliteStore(dataDir: string, migrations: Migration[]): Promise<Store> {
  const root = resolve(dataDir);
  const storeDir = join(root, 'store');
  // The store holds sealed CA keys and password hashes: owner only.
  await mkdir(storeDir, { recursive: true, mode: 0o700 });
  const lock = await lockDataDir(join(root, 'store.lock'), root);

  let db: PGlite | undefined;
  try {
    try {
      // Extensions the migrations create must be loaded on every open, not only the first:
      // pg_trgm backs the audit search's trigram index (0002_audit_search).
      db = await PGlite.create(storeDir, { extensions: { pg_trgm } });
    } catch (err) {
      throw new StoreError('store_open_failed', `cannot open the store in ${storeDir}: ${reasonOf(err)}`, { cause: err });
    }
    const migrationsApplied = await applyMigrations(pgliteConnection(db), migrations, { advisoryLock: false });
    // The store pins the PGlite version that pglite-prisma-adapter resolves, so there is one
    // copy: the adapter recognises PGlite's errors by instanceof and maps them to Prisma's
    // codes (P2002 …) exactly as the pg adapter does for PostgreSQL.
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
    const opened = db;
    // Checkpoints and ANALYZE, which PGlite has no background process for.
    const maintenance = startMaintenance(db, {
      onError: (err) => process.emitWarning(`store maintenance failed (tried again later): ${reasonOf(err)}`),
    });
    return {
      prisma,
      kind: 'pglite',
      migrationsApplied,
      close: once(async () => {
        try {
          await maintenance.stop();
          await prisma.$disconnect();
        } finally {
          try {
            await opened.close();
          } finally {
            await lock.release();
          }
        }
      }),
    };
  } catch (err) {
    await db?.close().catch(() => {});
    await lock.release();
    throw err;
  }
}

function pgliteConnection(db: PGlite): MigrationConnection {
  const wrap = (tx: Transaction): MigrationTx => ({
    exec: async (sql) => {
      await tx.exec(sql);
    },
    query: async (sql, params) => (await tx.query<Record<string, unknown>>(sql, params)).rows,
  });
  return { transaction: (fn) => db.transaction((tx) => fn(wrap(tx))) };
}
