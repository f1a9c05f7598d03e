import { reasonOf } from './errors';

/**
 * A server error as one line a person can act on: message, detail, hint and, for a
 * script, the line the server pointed at. pg and PGlite both expose these fields.
 */
export function describeSqlError(err: unknown, script?: string): string {
  const parts = [reasonOf(err)];
  if (typeof err === 'object' && err !== null) {
    const { detail, hint, position } = err as { detail?: unknown; hint?: unknown; position?: unknown };
    if (typeof detail === 'string' && detail) parts.push(`detail: ${detail}`);
    if (typeof hint === 'string' && hint) parts.push(`hint: ${hint}`);
    const offset = Number(position);
    if (script !== undefined && Number.isInteger(offset) && offset > 0) {
      // position counts characters from 1 within the statement text sent.
      parts.push(`at line ${script.slice(0, offset - 1).split('\n').length}`);
    }
  }
  return parts.join('; ');
}
