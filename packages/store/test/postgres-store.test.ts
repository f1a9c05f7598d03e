import { inspect } from 'node:util';
import { rm } from 'node:fs/promises';
import { freePort, startPostgres } from '@postern/testing';
import type { TestPostgres } from '@postern/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMigrations, openStore, StoreError } from '../src/index';
import { tempDataDir } from './support/backends';
import { migrationsWithBrokenOne } from './support/migration-dirs';

const PASSWORD = 's3cr3t-Pa55w0rd';

describe('the PostgreSQL store', () => {
  let server: TestPostgres;
  let dataDir: string;
  let databases = 0;

  /** A URL for a fresh, empty database on the test server. */
  async function freshDatabase(): Promise<string> {
    const name = `store_${++databases}`;
    await server.query(`create database ${name}`);
    return server.superuserUrl.replace(/\/postgres$/, `/${name}`);
  }

  beforeAll(async () => {
    server = await startPostgres();
    dataDir = await tempDataDir();
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('applies the migrations once, then nothing on the next open', async () => {
    const url = await freshDatabase();
    const first = await openStore({ url, dataDir });
    expect(first.kind).toBe('postgres');
    const all = (await listMigrations()).map((m) => m.name);
    expect(first.migrationsApplied).toEqual(all);
    await first.close();
    await first.close();
    const second = await openStore({ url, dataDir });
    expect(second.migrationsApplied).toEqual([]);
    expect(await second.prisma.$queryRawUnsafe('select name from postern_migrations')).toEqual(all.map((name) => ({ name })));
    await second.close();
  });

  it('lets replicas that start together apply each migration exactly once', async () => {
    const url = await freshDatabase();
    const stores = await Promise.all(Array.from({ length: 5 }, () => openStore({ url, dataDir })));
    try {
      const all = (await listMigrations()).map((m) => m.name);
      expect(stores.flatMap((s) => s.migrationsApplied).sort()).toEqual(all);
      expect(await stores[0]!.prisma.$queryRawUnsafe('select count(*)::int as n from postern_migrations')).toEqual([{ n: all.length }]);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('names a failing migration and rolls it back alone', async () => {
    const url = await freshDatabase();
    const migrationsDir = await migrationsWithBrokenOne(dataDir);
    const err = await openStore({ url, dataDir, migrationsDir }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'StoreError', code: 'migration_failed' });
    expect((err as Error).message).toMatch(/^migration 9999_broken failed and was rolled back: syntax error at or near "TABEL".*at line 3/);
    const store = await openStore({ url, dataDir });
    try {
      expect(store.migrationsApplied).toEqual([]);
      expect(await store.prisma.$queryRawUnsafe("select to_regclass('half_done')::text as t")).toEqual([{ t: null }]);
    } finally {
      await store.close();
    }
  });

  it('reports an unreachable server with its address and the reason, never the password', async () => {
    const port = await freePort();
    const err = await openStore({ url: `postgres://postern:${PASSWORD}@127.0.0.1:${port}/postern`, dataDir }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ code: 'store_unreachable' });
    expect((err as Error).message).toBe(`cannot reach the PostgreSQL store at postern@127.0.0.1:${port}/postern: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(inspect(err, { depth: 10 })).not.toContain(PASSWORD);
  });

  it('reports a database that does not exist as unreachable, with the server’s reason', async () => {
    const url = server.superuserUrl.replace('postgres@', `postgres:${PASSWORD}@`).replace(/\/postgres$/, '/no_such_db');
    const err = await openStore({ url, dataDir }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'store_unreachable' });
    expect((err as Error).message).toContain(`postgres@127.0.0.1:${server.port}/no_such_db`);
    expect((err as Error).message).toContain('database "no_such_db" does not exist');
    expect(inspect(err, { depth: 10 })).not.toContain(PASSWORD);
  });

  it('refuses a URL that is not postgres://, without echoing it', async () => {
    const err = await openStore({ url: `mysql://root:${PASSWORD}@db:3306/x`, dataDir }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'invalid_url' });
    expect((err as Error).message).not.toContain(PASSWORD);
    await expect(openStore({ url: `postgres://root:${PASSWORD}@[bad`, dataDir })).rejects.toMatchObject({
      code: 'invalid_url',
      message: expect.not.stringContaining(PASSWORD),
    });
  });
});
