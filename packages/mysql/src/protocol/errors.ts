import { ErrorCode } from './error-codes';
import type { MysqlErrorCode } from './error-codes';

/**
 * The one error the codec throws: the peer broke the protocol (a truncated packet, a
 * length past the end, a packet over the cap). Anything else escaping the codec is a bug,
 * which the fuzz test guards. `reply` is the error number and SQLSTATE to tell a client
 * that caused it.
 */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
  constructor(
    message: string,
    readonly reply: MysqlErrorCode = ErrorCode.ProtocolViolation,
  ) {
    super(message);
  }
}

export function isProtocolError(err: unknown): err is ProtocolError {
  return err instanceof ProtocolError;
}
