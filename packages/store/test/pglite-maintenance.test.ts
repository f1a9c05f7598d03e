import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMaintenance } from '../src/pglite/maintenance';

// PGlite has no checkpointer and no autovacuum; the store's maintenance stands in for them.

describe('PGlite maintenance', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await PGlite.create('memory://');
    await db.exec(`create table grows (id bigserial primary key, body text not null)`);
  });
  afterAll(() => db?.close());

  const walSinceCheckpoint = async () =>
    (await db.query<{ bytes: number }>(`select pg_wal_lsn_diff(pg_current_wal_lsn(), redo_lsn)::float8 as bytes from pg_control_checkpoint()`)).rows[0]!.bytes;
  const relpages = async () => (await db.query<{ n: number }>(`select relpages as n from pg_class where relname = 'grows'`)).rows[0]!.n;
  const grow = (rows: number) => db.query(`insert into grows (body) select repeat(md5(i::text), 8) from generate_series(1, $1::int) as i`, [rows]);

  it('analyzes a table that grew, and leaves it alone until it grows by a tenth again', async () => {
    const maintenance = startMaintenance(db, { intervalMs: 3_600_000, maxWalBytes: Number.MAX_SAFE_INTEGER });
    try {
      await grow(5_000); // ≈ 400 pages, past the 128-page floor
      expect(await relpages()).toBe(0);
      await maintenance.tick();
      const analyzed = await relpages();
      expect(analyzed).toBeGreaterThan(128);
      expect((await db.query<{ n: number }>(`select count(*)::int as n from pg_stats where tablename = 'grows'`)).rows[0]!.n).toBeGreaterThan(0);

      await grow(10); // a few rows: not worth an ANALYZE
      await maintenance.tick();
      expect(await relpages()).toBe(analyzed);
    } finally {
      await maintenance.stop();
    }
  });

  it('checkpoints once the WAL since the last checkpoint passes the threshold', async () => {
    const maintenance = startMaintenance(db, { intervalMs: 3_600_000, maxWalBytes: 1024 * 1024 });
    try {
      await db.exec('checkpoint');
      await maintenance.tick();
      const small = await walSinceCheckpoint();
      expect(small).toBeLessThan(1024 * 1024);

      await grow(20_000);
      expect(await walSinceCheckpoint()).toBeGreaterThan(1024 * 1024);
      await maintenance.tick();
      expect(await walSinceCheckpoint()).toBeLessThan(1024 * 1024);
    } finally {
      await maintenance.stop();
    }
  });

  it('does nothing once stopped', async () => {
    const maintenance = startMaintenance(db, { intervalMs: 3_600_000, maxWalBytes: 1 });
    await maintenance.stop();
    await grow(100);
    const before = await walSinceCheckpoint();
    await maintenance.tick();
    expect(await walSinceCheckpoint()).toBeGreaterThanOrEqual(before);
  });
});
