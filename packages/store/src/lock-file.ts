import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { StoreError } from './errors';

export interface DataDirLock {
  release(): Promise<void>;
}

// Locks this process holds. A lock file naming our own pid that is not in here was left by
// an earlier process that had the same pid (common in containers, where the server is
// often pid 1), so it is stale.
const heldHere = new Set<string>();

// How long to keep trying while other processes race for a stale lock.
const TAKEOVER_ATTEMPTS = 100;
const TAKEOVER_WAIT_MS = 20;
const STALE_MUTEX_MS = 10_000;

/**
 * PGlite admits one process per data dir, and two would corrupt it. The lock is a file
 * created exclusively, holding the owner's pid; a lock whose process is gone is taken over.
 */
export async function lockDataDir(lockPath: string, storeDir: string): Promise<DataDirLock> {
  for (let attempt = 1; ; attempt++) {
    if (await createExclusively(lockPath)) return { release: () => release(lockPath) };

    const content = await readLock(lockPath);
    if (content === undefined) continue; // Released in between: try again.
    const pid = parsePid(content);
    if (pid !== undefined && isAlive(pid) && (pid !== process.pid || heldHere.has(lockPath))) {
      throw new StoreError(
        'store_locked',
        `the store in ${storeDir} is in use by process ${pid} (postern start). ` +
          'Admin commands talk to the running Auth Service: use `postern admin …` while it runs.',
      );
    }
    if (attempt >= TAKEOVER_ATTEMPTS) {
      throw new StoreError('store_locked', `cannot take over the stale lock ${lockPath}; other processes keep racing for it`);
    }
    await removeStale(lockPath, content);
  }
}

/**
 * Creates the lock with its content in one step (a hard link of a finished file), so that
 * nobody ever reads a half-written lock and judges it stale. Where hard links are not
 * supported, an exclusive create is nearly as good. The lock is marked as held here before
 * anything else is awaited: a concurrent attempt in this process would otherwise see our
 * own pid, not yet marked, and take the lock over as stale.
 */
async function createExclusively(lockPath: string): Promise<boolean> {
  const content = `${process.pid}\n${new Date().toISOString()}\n`;
  const temp = `${lockPath}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temp, content, { mode: 0o600 });
  try {
    await link(temp, lockPath);
    heldHere.add(lockPath);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV') throw err;
  } finally {
    await unlink(temp).catch(() => {});
  }
  try {
    await writeFile(lockPath, content, { flag: 'wx', mode: 0o600 });
    heldHere.add(lockPath);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Removes a lock judged stale, but only while holding the takeover mutex (a directory, as
 * mkdir is atomic) and only if the file still holds what was judged stale: another process
 * may have taken over and written a fresh lock in the meantime, which must survive.
 */
async function removeStale(lockPath: string, staleContent: string): Promise<void> {
  const mutex = `${lockPath}.takeover`;
  try {
    await mkdir(mutex);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A process that died in the few milliseconds of a takeover leaves the mutex behind.
    const since = await stat(mutex).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (since > STALE_MUTEX_MS) await rm(mutex, { recursive: true, force: true });
    await new Promise((resolve) => setTimeout(resolve, TAKEOVER_WAIT_MS));
    return;
  }
  try {
    if ((await readLock(lockPath)) === staleContent) await unlink(lockPath).catch(() => {});
  } finally {
    await rmdir(mutex).catch(() => {});
  }
}

async function release(lockPath: string): Promise<void> {
  if (!heldHere.delete(lockPath)) return;
  // Only remove the file if it is still ours; never someone else's lock.
  if (parsePid((await readLock(lockPath)) ?? '') === process.pid) {
    await unlink(lockPath).catch(() => {});
  }
}

async function readLock(lockPath: string): Promise<string | undefined> {
  try {
    return await readFile(lockPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function parsePid(content: string): number | undefined {
  const pid = Number(content.trim().split('\n')[0]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it just belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
