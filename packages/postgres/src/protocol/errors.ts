import { SqlState } from './sqlstate';

/**
 * The one error the codec throws: the peer broke the protocol (bad length, truncated
 * message, a declared length over the cap). Anything else escaping the codec is a bug,
 * which the fuzz test guards. `sqlState` is what to report to a client that caused it.
 */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
  constructor(
    message: string,
    readonly sqlState: string = SqlState.ProtocolViolation,
  ) {
    super(message);
  }
}

export function isProtocolError(err: unknown): err is ProtocolError {
  return err instanceof ProtocolError;
}
