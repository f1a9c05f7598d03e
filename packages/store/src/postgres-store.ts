import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { StoreError, reasonOf } from './errors';
import { PrismaClient } from './generated/prisma/client';
import { applyMigrations } from './migrate';
import type { MigrationConnection } from './migrate';
import type { Migration } from './migrations';
import { once } from './store';
import type { Store } from './store';
import { describeTarget, scrubSecrets } from './url';

const CONNECT_TIMEOUT_MS = 10_000;

export async function openPostgresStore(url: URL, migrations: Migration[]): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url.href, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle connection that breaks (server restart, failover) emits 'error' on the pool,
  // which would crash the process unhandled; the next query reports the problem instead.
  pool.on('error', () => {});

  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    await pool.end().catch(() => {});
    throw new StoreError(
      'store_unreachable',
      scrubSecrets(`cannot reach the PostgreSQL store at ${describeTarget(url)}: ${reasonOf(err)}`, url),
      { cause: err },
    );
  }

  try {
    let migrationsApplied: string[];
    try {
      migrationsApplied = await applyMigrations(pgConnection(client), migrations, { advisoryLock: true });
    } finally {
      client.release();
    }
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    return {
      prisma,
      kind: 'postgres',
      migrationsApplied,
      close: once(async () => {
        try {
          await prisma.$disconnect();
        } finally {
          await pool.end();
        }
      }),
    };
  } catch (err) {
    await pool.end().catch(() => {});
    if (err instanceof StoreError) err.message = scrubSecrets(err.message, url);
    throw err;
  }
}

function pgConnection(client: pg.PoolClient): MigrationConnection {
  return {
    transaction: async (fn) => {
      await client.query('begin');
      try {
        const result = await fn({
          exec: async (sql) => {
            await client.query(sql);
          },
          query: async (sql, params) => (await client.query<Record<string, unknown>>(sql, params)).rows,
        });
        await client.query('commit');
        return result;
      } catch (err) {
        await client.query('rollback').catch(() => {});
        throw err;
      }
    },
  };
}
