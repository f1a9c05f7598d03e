import { z } from 'zod';

/**
 * The browser console's messages, between the page and the agent (the proxy only relays
 * them: one WebSocket text message ↔ one frame on the tunnel stream, see ./frames).
 *
 * Rows flow by credit: the agent sends at most as many rows as the page asked for (`run`'s
 * `rows` for the first page of each statement, then `fetch`), and keeps the rest in the
 * database (a server-side cursor, or a paused socket), so a ten-million-row SELECT fills
 * no memory anywhere on the way.
 */

/** Largest message either way (a frame on the tunnel, a WebSocket message at the proxy). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Largest SQL text of one `run` (it has to fit a message with its envelope). */
export const MAX_SQL_CHARS = 512 * 1024;
/** Most rows one `fetch` (or `run`'s first page) may ask for. */
export const MAX_FETCH_ROWS = 10_000;
/** First page of each statement when `run` does not say. */
export const DEFAULT_PAGE_ROWS = 200;
/** A console session closes after this long without a message from the page. */
export const DEFAULT_IDLE_TIMEOUT_MS = 15 * 60_000;

const runId = z.string().min(1).max(64);

export const clientMessage = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('run'),
      id: runId,
      /** One statement or several; the agent splits them (see ./split). */
      sql: z.string().min(1).max(MAX_SQL_CHARS),
      /** Rows sent at once for each statement; more come with `fetch` (last statement only). */
      rows: z.number().int().min(1).max(MAX_FETCH_ROWS).optional(),
    })
    .strict(),
  z.object({ type: z.literal('fetch'), id: runId, rows: z.number().int().min(1).max(MAX_FETCH_ROWS) }).strict(),
  z.object({ type: z.literal('cancel'), id: runId }).strict(),
  z.object({ type: z.literal('close') }).strict(),
]);
export type ClientMessage = z.infer<typeof clientMessage>;

/** A cell as text (the database's own text form), or null. Long values are cut (see `cut`). */
export type Cell = string | null;

export const column = z.object({ name: z.string(), type: z.string() });
export type Column = z.infer<typeof column>;

export const consoleLimits = z.object({
  max_rows: z.number().int().positive().optional(),
  max_statement_ms: z.number().int().positive().optional(),
  read_only: z.boolean(),
});
export type ConsoleLimits = z.infer<typeof consoleLimits>;

const stopped = z.object({
  /** max_rows: a role's console_max_rows; cancel: the user; next_statement: only the last statement of a run pages. */
  reason: z.enum(['max_rows', 'cancel', 'next_statement']),
  message: z.string(),
});

export const serverMessage = z.discriminatedUnion('type', [
  /** After the session opened (with its facts), and after each run (with its id): send the next run. */
  z.object({
    type: z.literal('ready'),
    id: runId.optional(),
    session: z
      .object({
        protocol: z.enum(['postgres', 'mysql']),
        db_service: z.string(),
        db_user: z.string(),
        db_name: z.string(),
        server_version: z.string(),
        limits: consoleLimits,
        idle_timeout_ms: z.number().int().positive(),
      })
      .optional(),
  }),
  /** A statement of a run starts; `offset` is where its text starts in the run's sql. */
  z.object({ type: z.literal('statement'), id: runId, stmt: z.number().int().nonnegative(), sql: z.string(), offset: z.number().int().nonnegative() }),
  z.object({ type: z.literal('columns'), id: runId, stmt: z.number().int().nonnegative(), columns: z.array(column) }),
  z.object({ type: z.literal('rows'), id: runId, stmt: z.number().int().nonnegative(), rows: z.array(z.array(z.string().nullable())) }),
  z.object({
    type: z.literal('done'),
    id: runId,
    stmt: z.number().int().nonnegative(),
    /** Rows sent for a statement that returns rows; rows affected for one that changes them. */
    rowCount: z.number().int().nonnegative().nullable(),
    command: z.string(),
    ms: z.number().nonnegative(),
    /** More rows remain (ask with fetch). */
    more: z.boolean().optional(),
    stopped: stopped.optional(),
  }),
  /**
   * A statement failed (id, stmt), or the session did (fatal: the connection closes after it).
   * `position` is 1-based, in characters of the run's sql.
   */
  z.object({
    type: z.literal('error'),
    id: runId.optional(),
    stmt: z.number().int().nonnegative().optional(),
    message: z.string(),
    code: z.string().optional(),
    position: z.number().int().positive().optional(),
    detail: z.string().optional(),
    hint: z.string().optional(),
    fatal: z.boolean().optional(),
  }),
  /** The session idled too long and closes. */
  z.object({ type: z.literal('timeout'), message: z.string() }),
]);
export type ServerMessage = z.infer<typeof serverMessage>;

/** Describes what was wrong with a message that does not parse, for a person. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`)
    .join('; ');
}

/** Largest cell sent as is; longer values are cut and say how long they were. */
export const MAX_CELL_CHARS = 16 * 1024;

export function cut(value: string, max = MAX_CELL_CHARS): string {
  if (value.length <= max) return value;
  return `${value.slice(0, max)}… [${value.length} characters in all]`;
}
