import type { AuditEventDraft, SessionContext } from './contract';
import { SessionError } from './contract';
import { describeError } from './describe-error';

export const AUDIT_UNAVAILABLE_MESSAGE = 'audit log unavailable; Postern refuses to run queries unaudited';

/** Thrown by auditOrThrow so a session can tell "cannot audit" from a broken client. */
export class AuditUnavailable extends Error {
  override name = 'AuditUnavailable';
  constructor() {
    super(AUDIT_UNAVAILABLE_MESSAGE);
  }
}

/** Audits or throws AuditUnavailable: the caller must not go on unaudited. */
export function auditOrThrow(ctx: Pick<SessionContext, 'audit' | 'log'>, draft: AuditEventDraft): void {
  try {
    ctx.audit(draft);
  } catch (err) {
    if (!(err instanceof SessionError && err.kind === 'audit_unavailable')) {
      ctx.log.error({ err: describeError(err) }, 'audit failed');
    }
    throw new AuditUnavailable();
  }
}

/** For events that must not stop what is already happening (a refusal, the end). */
export function auditQuietly(ctx: Pick<SessionContext, 'audit' | 'log'>, draft: AuditEventDraft): void {
  try {
    ctx.audit(draft);
  } catch (err) {
    ctx.log.error({ err: describeError(err), event: draft.event }, 'audit event lost');
  }
}
