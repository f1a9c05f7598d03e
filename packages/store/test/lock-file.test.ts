import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockDataDir } from '../src/lock-file';

describe('the data-dir lock', () => {
  let dir: string;
  let lockPath: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postern-lock-'));
    lockPath = join(dir, 'store.lock');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes our pid and removes the file on release', async () => {
    const lock = await lockDataDir(lockPath, dir);
    expect((await readFile(lockPath, 'utf8')).split('\n')[0]).toBe(String(process.pid));
    await lock.release();
    expect(existsSync(lockPath)).toBe(false);
    await lock.release();
  });

  it('refuses while we hold it', async () => {
    const lock = await lockDataDir(lockPath, dir);
    await expect(lockDataDir(lockPath, dir)).rejects.toMatchObject({ code: 'store_locked' });
    await lock.release();
    await (await lockDataDir(lockPath, dir)).release();
  });

  it('admits exactly one of several attempts at once in this process', async () => {
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => lockDataDir(lockPath, dir)));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'store_locked' });
    await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof lockDataDir>>>).value.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it('takes over a stale lock only once when several try at once', async () => {
    await writeFile(lockPath, '999999999\n');
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => lockDataDir(lockPath, dir)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('refuses while another live process holds it, naming that process', async () => {
    const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await writeFile(lockPath, `${holder.pid}\n`);
      const err = await lockDataDir(lockPath, dir).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'StoreError', code: 'store_locked' });
      expect((err as Error).message).toContain(`the store in ${dir} is in use by process ${holder.pid} (postern start)`);
      expect((err as Error).message).toContain('postern admin');
      // The refused attempt must not have disturbed the holder's lock.
      expect(await readFile(lockPath, 'utf8')).toBe(`${holder.pid}\n`);
    } finally {
      holder.kill();
    }
  });

  it('takes over a lock left by a process that is gone', async () => {
    await writeFile(lockPath, '999999999\n');
    const lock = await lockDataDir(lockPath, dir);
    expect((await readFile(lockPath, 'utf8')).split('\n')[0]).toBe(String(process.pid));
    await lock.release();
  });

  it('takes over a lock with our pid that this process does not hold (a restarted container)', async () => {
    await writeFile(lockPath, `${process.pid}\n2020-01-01T00:00:00.000Z\n`);
    const lock = await lockDataDir(lockPath, dir);
    expect(await readFile(lockPath, 'utf8')).not.toContain('2020-01-01');
    await lock.release();
  });

  it('takes over an empty or unreadable lock', async () => {
    await writeFile(lockPath, '');
    await (await lockDataDir(lockPath, dir)).release();
  });

  it('does not remove a lock that another process has taken since', async () => {
    const lock = await lockDataDir(lockPath, dir);
    await writeFile(lockPath, '1\n');
    await lock.release();
    expect(await readFile(lockPath, 'utf8')).toBe('1\n');
  });
});
