import { AuditError } from './errors';
import { formatIssues } from '@postern/validation';
import { auditEventSchema, type AuditEvent } from './schema';

/** Validates an event read from the store or received from an agent; the error names the offending path. */
export function parseAuditEvent(input: unknown): AuditEvent {
  const result = auditEventSchema.safeParse(input);
  if (!result.success) {
    throw new AuditError('event_invalid', `invalid audit event: ${formatIssues(result.error.issues)}`);
  }
  return result.data;
}
