import { PkiError } from './errors';

// Control characters in a name end up in logs, in `REQUIRE SUBJECT` strings and in
// PostgreSQL's role lookup; none of them has a legitimate use there.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Validates a name that becomes a certificate field or part of the identity extension. */
export function checkName(value: unknown, what: string, maxLength = 256): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new PkiError('invalid_argument', `${what} must be a non-empty string`);
  }
  if (value.length > maxLength) throw new PkiError('invalid_argument', `${what} is longer than ${maxLength} characters`);
  if (CONTROL.test(value)) throw new PkiError('invalid_argument', `${what} contains control characters`);
  return value;
}

export function checkTtl(ttlMs: unknown): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new PkiError('invalid_argument', 'the certificate lifetime (ttlMs) must be a positive number of milliseconds');
  }
  return ttlMs;
}

export function checkNow(now: Date | undefined): Date {
  const d = now ?? new Date();
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new PkiError('invalid_argument', '`now` must be a valid Date');
  return d;
}
