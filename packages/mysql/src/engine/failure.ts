import type { SessionErrorKind } from '@postern/engine';
import { ErrorCode } from '../protocol/error-codes';
import type { MysqlErrorCode } from '../protocol/error-codes';

/**
 * Why a session cannot go on, in the terms the client will be told: a MySQL error number,
 * a SQLSTATE, and a message a person can act on.
 */
export class SessionFailure extends Error {
  override name = 'SessionFailure';
  constructor(
    readonly reply: MysqlErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const REPLY_BY_KIND: Record<SessionErrorKind, MysqlErrorCode> = {
  access_denied: ErrorCode.AccessDenied,
  database_unreachable: ErrorCode.Unreachable,
  database_refused: ErrorCode.AccessDenied,
  protocol_violation: ErrorCode.ProtocolViolation,
  audit_unavailable: ErrorCode.AuditUnavailable,
  internal: ErrorCode.Internal,
};

export function replyForKind(kind: SessionErrorKind): MysqlErrorCode {
  return REPLY_BY_KIND[kind];
}

// The same words for every protocol: the agent refuses rather than run unaudited.
export { AUDIT_UNAVAILABLE_MESSAGE } from '@postern/engine';

export const CHANGE_USER_REFUSED_MESSAGE =
  'Postern does not allow COM_CHANGE_USER: the db user is fixed by your certificate; run `postern db login NAME --db-user USER` and reconnect';
