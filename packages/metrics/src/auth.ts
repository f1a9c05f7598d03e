import { Counter, Histogram } from 'prom-client';
import { registry } from './registry';

/** What the Auth Service counts: the audit log's writes, the one part of it every query reaches. */
export const authMetrics = {
  auditEventsStored: new Counter({
    name: 'postern_auth_audit_events_stored_total',
    help: 'Audit events the Auth Service wrote to its store (a batch retried after a failure counts again).',
    registers: [registry],
  }),
  auditStoreSeconds: new Histogram({
    name: 'postern_auth_audit_store_seconds',
    help: 'Time to write one batch of audit events to the store, chain link included.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  }),
  auditStoreFailures: new Counter({
    name: 'postern_auth_audit_store_failures_total',
    help: 'Batches of audit events the store did not take; they are retried, and agents keep their copy until then.',
    registers: [registry],
  }),
};

/** The same sink, its batches timed and counted in authMetrics. */
export function meteredAuditSink<E>(sink: (events: E[]) => Promise<void>): (events: E[]) => Promise<void> {
  return async (events) => {
    const done = authMetrics.auditStoreSeconds.startTimer();
    try {
      await sink(events);
    } catch (err) {
      authMetrics.auditStoreFailures.inc();
      throw err;
    } finally {
      done();
    }
    authMetrics.auditEventsStored.inc(events.length);
  };
}
