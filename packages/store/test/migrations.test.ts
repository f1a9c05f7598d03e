import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listMigrations } from '../src/index';

describe('listMigrations', () => {
  it('reads the repository migrations wherever the process was started', async () => {
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      const migrations = await listMigrations();
      expect(migrations[0]?.name).toBe('0001_init');
      expect(migrations[0]?.sql).toContain('CREATE TABLE "users"');
      for (const m of migrations) expect(m.name).toMatch(/^\d{4}_[a-z0-9_]+$/);
    } finally {
      process.chdir(cwd);
    }
  });

  describe('in a folder of its own', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'postern-migrations-'));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    async function migration(name: string, sql: string): Promise<void> {
      await mkdir(join(dir, name));
      await writeFile(join(dir, name, 'migration.sql'), sql);
    }

    it('orders folders by name and ignores loose files', async () => {
      await migration('0010_c', 'select 10;');
      await migration('0002_b', 'select 2;');
      await migration('0001_a', 'select 1;');
      await writeFile(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
      expect(await listMigrations(dir)).toEqual([
        { name: '0001_a', sql: 'select 1;' },
        { name: '0002_b', sql: 'select 2;' },
        { name: '0010_c', sql: 'select 10;' },
      ]);
    });

    it('refuses a folder without migration.sql rather than skipping it', async () => {
      await migration('0001_a', 'select 1;');
      await mkdir(join(dir, '0002_b'));
      await writeFile(join(dir, '0002_b', 'migrations.sql'), 'select 2;');
      await expect(listMigrations(dir)).rejects.toMatchObject({
        code: 'migrations_unreadable',
        message: expect.stringContaining(join('0002_b', 'migration.sql')),
      });
    });

    it('says so when the folder is missing', async () => {
      await expect(listMigrations(join(dir, 'nope'))).rejects.toMatchObject({ code: 'migrations_unreadable' });
    });
  });
});
