import type { Cell, Column } from '@postern/console';
import type { DatabaseTarget, DbClientCredentials } from '@postern/engine';
import type { ConsoleLimits } from '@postern/rbac';

/**
 * What the console needs of a database driver: one connection, statements one at a time,
 * their rows pulled in batches (a server-side cursor for PostgreSQL, a paused socket for
 * MySQL), and a cancel that reaches the database while a statement runs.
 */
export interface ConsoleDriver {
  readonly dialect: 'postgres' | 'mysql';
  readonly serverVersion: string;
  /** Starts one statement; rows come with read(). Throws DriverError. */
  start(sql: string): Promise<StatementCursor>;
  /** Asks the database to stop what this connection runs now (cancel request, KILL QUERY). */
  cancel(): Promise<void>;
  /** Closes the connection; never rejects. */
  close(): Promise<void>;
  /** Called once if the connection fails on its own (the server went away). */
  onLost(fn: (err: Error) => void): void;
}

export interface StatementCursor {
  /** Up to `max` more rows; fewer (or none) once the statement is finished. Throws DriverError. */
  read(max: number): Promise<Cell[][]>;
  /** The result's columns, known after the first read; null for a statement that returns no rows. */
  readonly columns: Column[] | null;
  /** True once the database reported the statement complete. */
  readonly finished: boolean;
  /** Its command tag (SELECT, INSERT, …) and rows affected, once finished. */
  readonly command: string;
  readonly affected: number | null;
  /** Stops early, discarding the rest; ends the statement's read-only transaction. Never rejects. */
  close(): Promise<void>;
}

/** A database's error, with what the page needs to show it: position is 1-based in the statement. */
export class DriverError extends Error {
  override name = 'DriverError';
  constructor(
    message: string,
    readonly extra: { code?: string; position?: number; detail?: string; hint?: string } = {},
  ) {
    super(message);
  }
}

export interface DriverOptions {
  target: DatabaseTarget;
  credentials: DbClientCredentials;
  dbUser: string;
  dbName: string;
  limits: ConsoleLimits;
  connectTimeoutMs: number;
}

export type DriverFactory = (opts: DriverOptions) => Promise<ConsoleDriver>;

/** The first keyword of a statement, upper-cased: a command tag when the driver gives none. */
export function firstKeyword(sql: string): string {
  const m = /^(?:\s+|--[^\n]*\n?|#[^\n]*\n?|\/\*[\s\S]*?\*\/)*([A-Za-z]+)/.exec(sql);
  return (m?.[1] ?? '').toUpperCase();
}
