import { existsSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMigrations, openStore, StoreError } from '../src/index';
import type { Store } from '../src/index';
import { tempDataDir } from './support/backends';
import { migrationsWithBrokenOne } from './support/migration-dirs';

describe('the embedded PGlite store', () => {
  let dataDir: string;
  let first: Store;

  beforeAll(async () => {
    dataDir = await tempDataDir();
    first = await openStore({ dataDir, url: '' });
  });
  afterAll(async () => {
    await first?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps its data in <dataDir>/store, owner-only, and applies the migrations on first open', async () => {
    expect(first.kind).toBe('pglite');
    expect(first.migrationsApplied).toEqual((await listMigrations()).map((m) => m.name));
    expect((await stat(join(dataDir, 'store'))).mode & 0o777).toBe(0o700);
    expect((await readFile(join(dataDir, 'store.lock'), 'utf8')).split('\n')[0]).toBe(String(process.pid));
    await first.prisma.role.create({ data: { name: 'kept', spec: { kind: 'role' } } });
  });

  it('refuses a second open of the same data dir while the first is open', async () => {
    const err = await openStore({ dataDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ code: 'store_locked' });
    expect((err as Error).message).toBe(
      `the store in ${dataDir} is in use by process ${process.pid} (postern start). ` +
        'Admin commands talk to the running Auth Service: use `postern admin …` while it runs.',
    );
  });

  it('after close, opens again, applies nothing and finds the data', async () => {
    const before = await first.prisma.$queryRawUnsafe<{ name: string; applied_at: Date }[]>(
      'select name, applied_at from postern_migrations',
    );
    await first.close();
    await first.close();
    expect(existsSync(join(dataDir, 'store.lock'))).toBe(false);

    const second = await openStore({ dataDir });
    try {
      expect(second.migrationsApplied).toEqual([]);
      expect(await second.prisma.$queryRawUnsafe('select name, applied_at from postern_migrations')).toEqual(before);
      expect(await second.prisma.role.findUnique({ where: { name: 'kept' } })).toMatchObject({ spec: { kind: 'role' } });
    } finally {
      await second.close();
    }
  });

  it('names a failing migration, rolls it back alone and leaves the data dir unlocked', async () => {
    const migrationsDir = await migrationsWithBrokenOne(dataDir);
    const err = await openStore({ dataDir, migrationsDir }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'StoreError', code: 'migration_failed' });
    expect((err as Error).message).toMatch(/^migration 9999_broken failed and was rolled back: syntax error at or near "TABEL".*at line 3/);
    expect(existsSync(join(dataDir, 'store.lock'))).toBe(false);

    const store = await openStore({ dataDir });
    try {
      expect(store.migrationsApplied).toEqual([]);
      const tables = await store.prisma.$queryRawUnsafe<{ n: number }[]>(
        "select count(*)::int as n from information_schema.tables where table_name = 'half_done'",
      );
      expect(tables[0]?.n).toBe(0);
    } finally {
      await store.close();
    }
  });
});

describe('the embedded PGlite store under its own maintenance', () => {
  // PGlite has one session: maintenance statements sent to it between the Parse and Bind of
  // a client's statement replaced that statement ("unnamed prepared statement does not exist").
  it('runs parameterized statements while maintenance runs back to back', async () => {
    const dataDir = await tempDataDir();
    const store = await openStore({ dataDir, pgliteMaintenanceIntervalMs: 1 });
    try {
      const rounds = Array.from({ length: 20 }, async (_, r) => {
        for (let i = 0; i < 50; i++) {
          const rows = await store.prisma.$queryRawUnsafe<{ n: number }[]>('select $1::int + $2::int as n', r, i);
          expect(rows).toEqual([{ n: r + i }]);
        }
      });
      await Promise.all(rounds);
      // Growth that makes each round ANALYZE, and its statements interleave with these.
      await store.prisma.$executeRawUnsafe(
        `insert into roles (name, spec, updated_at) select 'grow-' || i, '{"kind":"role"}'::jsonb, now() from generate_series(1, 20000) as i`,
      );
      await Promise.all(rounds.map(async (_, r) => {
        for (let i = 0; i < 50; i++) expect(await store.prisma.role.count({ where: { name: { startsWith: `grow-${r + 1}` } } })).toBeGreaterThan(0);
      }));
    } finally {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
