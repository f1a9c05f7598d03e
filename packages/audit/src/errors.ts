/**
 * event_invalid: an event does not match its documented shape.
 * audit_backpressure: too many events wait for the store; refuse new work instead of running unaudited.
 * audit_closed: emit after close().
 * audit_undelivered: close() gave up waiting for the store; the message says how many events remain.
 */
export type AuditErrorCode = 'event_invalid' | 'audit_backpressure' | 'audit_closed' | 'audit_undelivered';

export class AuditError extends Error {
  readonly code: AuditErrorCode;

  constructor(code: AuditErrorCode, message: string) {
    super(message);
    this.name = 'AuditError';
    this.code = code;
  }
}
