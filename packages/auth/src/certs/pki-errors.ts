import { PkiError } from '@postern/pki';
import { AuthError } from '../errors';

/** CSR problems are the caller's to fix: a 400 with pki's message. */
export function asBadRequest<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof PkiError) throw new AuthError('bad_request', err.message);
    throw err;
  }
}
