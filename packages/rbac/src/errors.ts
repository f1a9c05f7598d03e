/** Error codes callers can branch on; messages are written for the person who typed the input. */
export type RbacErrorCode = 'role_invalid' | 'duration_invalid';

export class RbacError extends Error {
  readonly code: RbacErrorCode;

  constructor(code: RbacErrorCode, message: string) {
    super(message);
    this.name = 'RbacError';
    this.code = code;
  }
}
