export type PkiErrorCode =
  | 'invalid_argument'
  | 'csr_too_large'
  | 'csr_malformed'
  | 'csr_key_type'
  | 'csr_signature'
  | 'ca_invalid'
  | 'ca_expired'
  | 'cert_malformed'
  | 'cert_untrusted'
  | 'cert_expired'
  | 'cert_not_yet_valid'
  | 'cert_wrong_usage'
  | 'cert_wrong_route'
  | 'master_key_invalid'
  | 'master_key_permissions'
  | 'master_key_mismatch'
  | 'sealed_malformed';

/** `message` is written for a person: it says what is wrong and what to do about it. */
export class PkiError extends Error {
  readonly code: PkiErrorCode;
  constructor(code: PkiErrorCode, message: string) {
    super(message);
    this.name = 'PkiError';
    this.code = code;
  }
}

export function isPkiError(err: unknown, code?: PkiErrorCode): err is PkiError {
  return err instanceof PkiError && (code === undefined || err.code === code);
}
