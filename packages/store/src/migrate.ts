import { StoreError } from './errors';
import type { Migration } from './migrations';
import { describeSqlError } from './sql-error';

/** What the migrator needs from a driver: transactions and plain SQL, nothing of Prisma. */
export interface MigrationConnection {
  /** Runs fn inside one transaction: commit when it returns, rollback when it throws. */
  transaction<T>(fn: (tx: MigrationTx) => Promise<T>): Promise<T>;
}

export interface MigrationTx {
  /** Runs a script of several statements (simple query protocol). */
  exec(sql: string): Promise<void>;
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
}

// 'postern' in ASCII. Replicas of the Auth Service that start together serialize on it, so
// each migration runs exactly once.
const ADVISORY_LOCK_KEY = '31647739056321134';

const CREATE_MIGRATIONS_TABLE = `
  create table if not exists postern_migrations (
    name text primary key,
    applied_at timestamptz not null default now()
  )`;

/**
 * Applies, in order, every migration not yet recorded in postern_migrations, each in a
 * transaction of its own, and returns the names it applied. `advisoryLock` is for a shared
 * PostgreSQL; PGlite has a single connection and the data-dir lock already.
 */
export async function applyMigrations(
  conn: MigrationConnection,
  migrations: Migration[],
  opts: { advisoryLock: boolean },
): Promise<string[]> {
  const lock = async (tx: MigrationTx): Promise<void> => {
    if (opts.advisoryLock) await tx.query(`select pg_advisory_xact_lock(${ADVISORY_LOCK_KEY})`);
  };

  let recorded: Set<string>;
  try {
    recorded = await conn.transaction(async (tx) => {
      await lock(tx);
      await tx.exec(CREATE_MIGRATIONS_TABLE);
      const rows = await tx.query('select name from postern_migrations');
      return new Set(rows.map((row) => String(row['name'])));
    });
  } catch (err) {
    throw new StoreError('migration_failed', `cannot prepare the postern_migrations table: ${describeSqlError(err)}`, {
      cause: err,
    });
  }

  const applied: string[] = [];
  for (const migration of migrations) {
    if (recorded.has(migration.name)) continue;
    try {
      const ran = await conn.transaction(async (tx) => {
        await lock(tx);
        // Another replica may have applied it while we waited for the lock.
        const done = await tx.query('select 1 from postern_migrations where name = $1', [migration.name]);
        if (done.length > 0) return false;
        await tx.exec(migration.sql);
        await tx.query('insert into postern_migrations (name) values ($1)', [migration.name]);
        return true;
      });
      if (ran) applied.push(migration.name);
    } catch (err) {
      throw new StoreError(
        'migration_failed',
        `migration ${migration.name} failed and was rolled back: ${describeSqlError(err, migration.sql)}`,
        { cause: err },
      );
    }
  }
  return applied;
}
