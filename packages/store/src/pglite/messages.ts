import type { StoreErrorCode } from '../errors';
import type { Migration } from '../migrations';

/** What the store's thread is started with. */
export interface PgliteThreadData {
  storeDir: string;
  /** The Unix socket it serves the PostgreSQL protocol on (in a folder only we may enter). */
  socketPath: string;
  /**
   * Connections the socket accepts at once. Above the pool's size: the pool replaces a
   * connection after an error before the thread has seen the old one close.
   */
  maxConnections: number;
  migrations: Migration[];
}

/** From the store's thread to the process that started it. */
export type PgliteThreadReport =
  | { type: 'ready'; migrationsApplied: string[] }
  | { type: 'failed'; code: StoreErrorCode; message: string }
  | { type: 'stopped' };

/** From the process to the store's thread. */
export type PgliteThreadCommand = { type: 'stop' };
