import type { SessionErrorKind } from '@postern/engine';
import { SqlState } from '../protocol/sqlstate';

/**
 * Why a session cannot go on, in the terms the client will be told: an SQLSTATE and a
 * message a person can act on. `databaseReply` holds the database's own ErrorResponse
 * when it refused us, to be forwarded unchanged rather than paraphrased.
 */
export class SessionFailure extends Error {
  override name = 'SessionFailure';
  constructor(
    readonly sqlState: string,
    message: string,
    readonly extra: { hint?: string; databaseReply?: Buffer } = {},
  ) {
    super(message);
  }
}

const SQLSTATE_BY_KIND: Record<SessionErrorKind, string> = {
  access_denied: SqlState.InvalidAuthorizationSpecification,
  database_unreachable: SqlState.UnableToEstablishConnection,
  database_refused: SqlState.UnableToEstablishConnection,
  protocol_violation: SqlState.ProtocolViolation,
  audit_unavailable: SqlState.AuditUnavailable,
  internal: SqlState.InternalError,
};

export function sqlStateForKind(kind: SessionErrorKind): string {
  return SQLSTATE_BY_KIND[kind];
}

// The same words for every protocol: the agent refuses rather than run unaudited.
export { AUDIT_UNAVAILABLE_MESSAGE } from '@postern/engine';
