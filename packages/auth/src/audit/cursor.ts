import { AuthError } from '../errors';

/**
 * Where a page ended, as the sort key of its last row: (time, id) for searches, (ei, id)
 * within one session. Handed out base64url-encoded so that clients treat it as opaque and
 * the key can change without breaking their code.
 */
export type Cursor = { by: 'time'; timeMs: number; id: bigint } | { by: 'ei'; ei: number; id: bigint };

export function encodeCursor(c: Cursor): string {
  const text = c.by === 'time' ? `t:${c.timeMs}:${c.id}` : `e:${c.ei}:${c.id}`;
  return Buffer.from(text, 'utf8').toString('base64url');
}

const SHAPE = /^([te]):(-?\d{1,16}):(\d{1,19})$/;

/** The cursor, or a bad_request that says to start again: cursors are only ever copied from `next`. */
export function decodeCursor(raw: string, by: Cursor['by']): Cursor {
  const m = SHAPE.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  const kind = by === 'time' ? 't' : 'e';
  if (!m || m[1] !== kind) {
    const why = m ? (by === 'ei' ? 'a cursor of a search, not of a session (sid)' : 'a cursor of a session (sid), not of this search') : 'not a cursor';
    throw new AuthError('bad_request', `cursor: ${why}; use the \`next\` of the previous page of the same search, or start without one`);
  }
  const key = Number(m[2]);
  const id = BigInt(m[3]!);
  return by === 'time' ? { by, timeMs: key, id } : { by, ei: key, id };
}
