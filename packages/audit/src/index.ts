// @postern/audit: the typed audit log of docs/audit-events.md and the batcher that
// delivers it to the store without slowing the data path.
export { AuditError, type AuditErrorCode } from './errors';
export { EVENT_CODES, SSO_LOGIN_CODES, codeFor, type EventCodes } from './codes';
export {
  auditEventSchema,
  AUDIT_EVENT_NAMES,
  type AuditEvent,
  type AuditEventInput,
  type AuditEventName,
  type AuditEventOf,
} from './schema';
export { parseAuditEvent } from './parse';
export { makeEvent, type MakeEventFields } from './make';
export { AuditBatcher, type AuditBatcherOptions, type AuditSink } from './batcher';
