import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMigrations, openStore } from '../src/index';
import { tempDataDir } from './support/backends';

// 0002_audit_search comes to stores that already hold events (and, sorting before 0003,
// after 0003 on stores created in between): the events written before it must become
// searchable, and the append-only trigger must not stand in the way of the new column.

describe('0002_audit_search on a store that already has events', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await tempDataDir();
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('fills db_query for the events already there, and leaves them unchanged', async () => {
    const all = await listMigrations();
    const before = join(dataDir, 'migrations-before');
    for (const m of all.filter((x) => x.name !== '0002_audit_search')) {
      await mkdir(join(before, m.name), { recursive: true });
      await writeFile(join(before, m.name, 'migration.sql'), m.sql);
    }
    const old = await openStore({ dataDir, migrationsDir: before });
    const uid = randomUUID();
    try {
      expect(old.migrationsApplied).not.toContain('0002_audit_search');
      await old.prisma.$executeRawUnsafe(
        `insert into audit_events (uid, event, code, time, sid, ei, data) values ($1::uuid, 'db.session.query', 'TDB02I', now(), 's', 1, $2::jsonb)`,
        uid,
        JSON.stringify({ uid, db_query: 'SELECT * FROM Invoices' }),
      );
    } finally {
      await old.close();
    }

    const upgraded = await openStore({ dataDir });
    try {
      expect(upgraded.migrationsApplied).toEqual(['0002_audit_search']);
      const rows = await upgraded.prisma.$queryRawUnsafe<{ db_query: string; data: unknown }[]>(
        `select db_query, data from audit_events where db_query ilike $1`,
        '%invoices%',
      );
      expect(rows).toEqual([{ db_query: 'SELECT * FROM Invoices', data: { uid, db_query: 'SELECT * FROM Invoices' } }]);
    } finally {
      await upgraded.close();
    }
  });
});
