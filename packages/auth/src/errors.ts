export type AuthErrorCode =
  | 'bad_request'
  | 'unauthenticated'
  | 'otp_required'
  | 'forbidden'
  | 'locked'
  | 'host_removed'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'unavailable';

const STATUS: Record<AuthErrorCode, number> = {
  bad_request: 400,
  unauthenticated: 401,
  otp_required: 401,
  forbidden: 403,
  locked: 403,
  host_removed: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
};

/** An error of the Auth Service, with an HTTP status and a message meant for a person. */
export class AuthError extends Error {
  readonly code: AuthErrorCode;
  readonly status: number;
  /** Seconds until a rate-limited caller may try again. */
  readonly retryAfter?: number;
  constructor(code: AuthErrorCode, message: string, opts: { retryAfter?: number } = {}) {
    super(message);
    this.name = 'AuthError';
    this.code = code;
    this.status = STATUS[code];
    this.retryAfter = opts.retryAfter;
  }
}

export function isAuthError(err: unknown): err is AuthError {
  return err instanceof Error && err.name === 'AuthError' && typeof (err as AuthError).status === 'number';
}
