export type StoreErrorCode =
  /** The embedded store's data dir is held by another running process. */
  | 'store_locked'
  /** PostgreSQL could not be reached, or refused the login or the database. */
  | 'store_unreachable'
  /** The embedded store's data could not be opened. */
  | 'store_open_failed'
  /** A migration failed; the message names it. */
  | 'migration_failed'
  /** The migrations folder is missing or unreadable. */
  | 'migrations_unreadable'
  /** The database URL is not a postgres:// URL. */
  | 'invalid_url';

/** An error the operator can act on; `message` is meant to be shown as it is. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function reasonOf(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const message = err.message || (err instanceof AggregateError ? err.errors.map(reasonOf).join('; ') : '');
    return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
  }
  return String(err);
}
