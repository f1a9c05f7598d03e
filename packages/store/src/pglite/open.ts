import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { StoreError, reasonOf } from '../errors';
import { PrismaClient } from '../generated/prisma/client';
import { lockDataDir } from '../lock-file';
import type { Migration } from '../migrations';
import { once } from '../store';
import type { Store } from '../store';
import { startMaintenance } from './maintenance';
import type { PgliteThreadCommand, PgliteThreadData, PgliteThreadReport } from './messages';

// Linux's limit for a Unix socket path is 107 bytes; macOS's 103.
const MAX_SOCKET_PATH = 100;
// libpq's naming, which pg follows: host is the folder, the port names the file.
const SOCKET_PORT = 5432;
const SOCKET_FILE = `.s.PGSQL.${SOCKET_PORT}`;
// One connection. PGlite has a single session, and pglite-socket 0.1.3 runs the messages
// of its connections in arrival order: a second connection's Parse could land between
// another's Parse and Bind and replace its unnamed statement.
const POOL_SIZE = 1;

/** The socket's folder: in the data dir when the path fits, else a private temporary one. */
async function socketFolder(root: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const inDataDir = join(root, 'store-socket');
  if (join(inDataDir, SOCKET_FILE).length <= MAX_SOCKET_PATH) {
    // Whoever can open the socket can read the whole store: owner only, like the store.
    await mkdir(inDataDir, { recursive: true, mode: 0o700 });
    return { dir: inDataDir, remove: async () => {} };
  }
  const dir = await mkdtemp(join(os.tmpdir(), 'postern-store-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Starts the store's thread and resolves when it serves, or rejects with its StoreError. */
function startThread(data: PgliteThreadData): Promise<{ worker: Worker; migrationsApplied: string[] }> {
  const worker = new Worker(new URL('./thread.mjs', import.meta.url), { workerData: data });
  return new Promise((resolvePromise, reject) => {
    const onMessage = (m: PgliteThreadReport) => {
      if (m.type === 'ready') {
        settle();
        resolvePromise({ worker, migrationsApplied: m.migrationsApplied });
      } else if (m.type === 'failed') {
        settle();
        reject(new StoreError(m.code, m.message));
      }
    };
    const onError = (err: Error) => {
      settle();
      reject(new StoreError('store_open_failed', `cannot open the store in ${data.storeDir}: ${reasonOf(err)}`, { cause: err }));
    };
    const onExit = (code: number) => onError(new Error(`the store's thread exited with code ${code}`));
    const settle = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

async function stopThread(worker: Worker): Promise<void> {
  // -1 once the thread has ended (a crash): nothing left to stop.
  if (worker.threadId === -1) return;
  const exited = new Promise<void>((r) => worker.once('exit', () => r()));
  worker.postMessage({ type: 'stop' } satisfies PgliteThreadCommand);
  // A thread that cannot close its files in time is ended; PGlite's WAL makes that safe.
  const timer = setTimeout(() => void worker.terminate(), 30_000);
  await exited;
  clearTimeout(timer);
}

export async function openPgliteStore(dataDir: string, migrations: Migration[], opts: { maintenanceIntervalMs?: number } = {}): Promise<Store> {
  const root = resolve(dataDir);
  const storeDir = join(root, 'store');
  // The store holds sealed CA keys and password hashes: owner only.
  await mkdir(storeDir, { recursive: true, mode: 0o700 });
  const lock = await lockDataDir(join(root, 'store.lock'), root);

  let socket: Awaited<ReturnType<typeof socketFolder>> | undefined;
  let worker: Worker | undefined;
  let pool: pg.Pool | undefined;
  try {
    socket = await socketFolder(root);
    const started = await startThread({ storeDir, socketPath: join(socket.dir, SOCKET_FILE), maxConnections: 4 * POOL_SIZE, migrations });
    worker = started.worker;
    // The thread ending while the store is open (a crash inside PGlite) fails every later
    // query with a connection error; say why once, where an operator looks.
    const running = worker;
    const onUnexpectedExit = (code: number) => process.emitWarning(`the embedded store's thread stopped (exit code ${code}); restart Postern`);
    running.once('exit', onUnexpectedExit);
    // Without a listener an error thrown in the thread would end this process too.
    running.on('error', (err) => process.emitWarning(`the embedded store's thread failed: ${reasonOf(err)}`));

    pool = new pg.Pool({ host: socket.dir, port: SOCKET_PORT, user: 'postgres', database: 'postgres', max: POOL_SIZE });
    // As for a shared PostgreSQL: an idle connection that breaks must not crash the process.
    pool.on('error', () => {});
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    // Checkpoints and ANALYZE, which PGlite has no background process for; through the
    // pool, so they queue with every other statement (see maintenance.ts).
    const maintenance = startMaintenance(pool, {
      ...(opts.maintenanceIntervalMs ? { intervalMs: opts.maintenanceIntervalMs } : {}),
      onError: (err) => process.emitWarning(`store maintenance failed (tried again later): ${reasonOf(err)}`),
    });
    const openedPool = pool;
    const openedSocket = socket;
    return {
      prisma,
      kind: 'pglite',
      migrationsApplied: started.migrationsApplied,
      close: once(async () => {
        try {
          await maintenance.stop();
          await prisma.$disconnect();
          await openedPool.end();
        } finally {
          try {
            running.off('exit', onUnexpectedExit);
            await stopThread(running);
            await openedSocket.remove();
          } finally {
            await lock.release();
          }
        }
      }),
    };
  } catch (err) {
    await pool?.end().catch(() => {});
    if (worker) await stopThread(worker).catch(() => {});
    await socket?.remove().catch(() => {});
    await lock.release();
    throw err;
  }
}
