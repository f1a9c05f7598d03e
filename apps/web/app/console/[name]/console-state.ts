import type { Cell, Column, ServerMessage } from '@postern/console';

/** Rows of one statement the page keeps; past this it stops asking (the browser's memory is bounded too). */
export const MAX_BROWSER_ROWS = 100_000;
/** Rows each statement sends at once, and each scroll to the end asks for. */
export const FIRST_PAGE_ROWS = 200;
export const FETCH_ROWS = 1000;

type Done = Extract<ServerMessage, { type: 'done' }>;
type ErrorMessage = Extract<ServerMessage, { type: 'error' }>;

export interface StatementView {
  stmt: number;
  sql: string;
  /** Where the statement starts in the run's text. */
  offset: number;
  columns: Column[] | null;
  rows: Cell[][];
  done?: Done;
  error?: ErrorMessage;
  /** Rows asked for so far (first page and fetches). */
  requested: number;
  /** The page stopped asking at MAX_BROWSER_ROWS. */
  capped: boolean;
}

export interface RunView {
  id: string;
  sql: string;
  /** Where the run's text starts in the editor (a selection runs from its start). */
  base: number;
  statements: StatementView[];
  /** An error of the run as a whole (no statement), or of the session. */
  error?: ErrorMessage;
  finished: boolean;
  startedAt: number;
  ms?: number;
  cancelled: boolean;
}

export function newRun(id: string, sql: string, base: number, now: number): RunView {
  return { id, sql, base, statements: [], finished: false, startedAt: now, cancelled: false };
}

/** Applies one of the agent's messages to the run it belongs to. Returns whether anything changed. */
export function applyMessage(run: RunView, msg: ServerMessage, now: number): boolean {
  if (!('id' in msg) || msg.id !== run.id) return false;
  switch (msg.type) {
    case 'statement':
      run.statements[msg.stmt] = { stmt: msg.stmt, sql: msg.sql, offset: msg.offset, columns: null, rows: [], requested: FIRST_PAGE_ROWS, capped: false };
      return true;
    case 'columns': {
      const st = run.statements[msg.stmt];
      if (st) st.columns = msg.columns;
      return true;
    }
    case 'rows': {
      const st = run.statements[msg.stmt];
      if (!st) return false;
      for (const row of msg.rows) st.rows.push(row);
      return true;
    }
    case 'done': {
      const st = run.statements[msg.stmt];
      if (st) st.done = msg;
      return true;
    }
    case 'error': {
      const st = msg.stmt !== undefined ? run.statements[msg.stmt] : undefined;
      if (st) st.error = msg;
      else run.error = msg;
      return true;
    }
    case 'ready':
      run.finished = true;
      run.ms = now - run.startedAt;
      return true;
    default:
      return false;
  }
}

/**
 * Whether scrolling to the end of this statement's rows should ask for more, and how many:
 * only the run's open statement can send more, and only once what was asked has come.
 */
export function rowsToFetch(run: RunView, st: StatementView): number {
  if (run.finished || st.done || st.error || st.capped) return 0;
  if (st.stmt !== run.statements.length - 1) return 0;
  if (st.rows.length < st.requested) return 0;
  return Math.min(FETCH_ROWS, MAX_BROWSER_ROWS - st.requested);
}

/** "3 rows", "1 row", "INSERT 0 5" style summary of a finished statement. */
export function summary(st: StatementView): string {
  if (st.error) return ''; // the error box says it
  if (!st.done) return st.rows.length > 0 ? `${st.rows.length.toLocaleString('en')} rows so far…` : 'running…';
  const { rowCount, command, ms } = st.done;
  const time = ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
  if (st.columns) return `${(rowCount ?? st.rows.length).toLocaleString('en')} row${rowCount === 1 ? '' : 's'} in ${time}`;
  return `${command}${rowCount !== null ? ` ${rowCount.toLocaleString('en')}` : ''} in ${time}`;
}

/** An error's place in the editor: offset (0-based) of the character the database points at. */
export function errorOffset(run: RunView, error: ErrorMessage): number | undefined {
  return error.position !== undefined ? run.base + error.position - 1 : undefined;
}
