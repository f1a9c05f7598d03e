import { randomUUID } from 'node:crypto';
import { makeEvent, type AuditEvent } from '@postern/audit';

/** When the first event of a test's log happened. */
export const T0 = Date.parse('2026-05-01T12:00:00.000Z');

/**
 * `n` query events of one session, a second apart from T0 + offsetMs, for the audit chain's
 * tests: the same events whether the chain is checked at once or streamed.
 */
export function queryEvents(n: number, offsetMs: number): AuditEvent[] {
  const sid = randomUUID();
  return Array.from({ length: n }, (_, i) =>
    makeEvent(
      'db.session.query',
      {
        user: 'alice',
        sid,
        ei: i + 1,
        db_service: 'orders',
        db_protocol: 'postgres',
        db_uri: 'db.internal:5432',
        db_name: 'app',
        db_user: 'alice',
        // Text that JSON and jsonb write differently: key order, unicode, escapes, numbers.
        db_query: `select 'ü "q" ${i}' /* \\ */`,
        db_query_parameters: [String(i), '1.50'],
        time: new Date(T0 + offsetMs + i * 1000),
      },
      'test',
    ),
  );
}
