import { rm } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import type { Transaction } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { StoreError, reasonOf } from '../errors';
import { applyMigrations } from '../migrate';
import type { MigrationConnection, MigrationTx } from '../migrate';
import type { PgliteThreadCommand, PgliteThreadData, PgliteThreadReport } from './messages';

/**
 * The embedded store's thread: PGlite (PostgreSQL compiled to WebAssembly) runs every
 * statement synchronously on the thread that calls it. In the main thread, one batch of
 * audit events (about 75 µs an event) stopped every relayed connection of the proxy for
 * tens of milliseconds. Here it blocks only this thread, and the process talks to it over
 * the PostgreSQL protocol (pglite-socket), through the same driver as a shared PostgreSQL.
 */

const port = parentPort!;
const data = workerData as PgliteThreadData;
const report = (m: PgliteThreadReport) => port.postMessage(m);

function migrationConnection(db: PGlite): MigrationConnection {
  const wrap = (tx: Transaction): MigrationTx => ({
    exec: async (sql) => {
      await tx.exec(sql);
    },
    query: async (sql, params) => (await tx.query<Record<string, unknown>>(sql, params)).rows,
  });
  return { transaction: (fn) => db.transaction((tx) => fn(wrap(tx))) };
}

async function open(): Promise<{ db: PGlite; server: PGLiteSocketServer }> {
  let db: PGlite;
  try {
    // Extensions the migrations create must be loaded on every open, not only the first:
    // pg_trgm backs the audit search's trigram index (0002_audit_search).
    db = await PGlite.create(data.storeDir, { extensions: { pg_trgm } });
  } catch (err) {
    throw new StoreError('store_open_failed', `cannot open the store in ${data.storeDir}: ${reasonOf(err)}`, { cause: err });
  }
  try {
    const migrationsApplied = await applyMigrations(migrationConnection(db), data.migrations, { advisoryLock: false });
    // A socket left by a process that died: the data-dir lock says nobody else serves it.
    await rm(data.socketPath, { force: true });
    const server = new PGLiteSocketServer({ db, path: data.socketPath, maxConnections: data.maxConnections });
    await server.start();
    report({ type: 'ready', migrationsApplied });
    return { db, server };
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
}

try {
  const opened = await open();
  port.on('message', (m: PgliteThreadCommand) => {
    if (m.type !== 'stop') return;
    void (async () => {
      try {
        await opened.server.stop();
        await opened.db.close();
        await rm(data.socketPath, { force: true });
      } finally {
        report({ type: 'stopped' });
        port.close();
      }
    })();
  });
} catch (err) {
  const code = err instanceof StoreError ? err.code : 'store_open_failed';
  report({ type: 'failed', code, message: err instanceof StoreError ? err.message : `cannot open the store in ${data.storeDir}: ${reasonOf(err)}` });
  port.close();
}
