import { makeEvent, type AuditEvent } from '../src/index';

export const db = {
  db_service: 'demo',
  db_protocol: 'postgres',
  db_uri: '127.0.0.1:5432',
  db_name: 'app',
  db_user: 'alice',
} as const;

/** A distinct, valid event per call; `n` shows up in the query text so order is checkable. */
export function queryEvent(n: number): AuditEvent {
  return makeEvent('db.session.query', { user: 'alice', sid: 's1', ei: n, ...db, db_query: `SELECT ${n}` }, 'local');
}
