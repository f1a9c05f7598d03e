import { AuthError } from '../errors';
import { RequestLimiter } from './request-limiter';

export interface RequestLimitSettings {
  /** Sign-ins started (web or CLI) per client address per minute. */
  ssoStartsPerAddress: number;
  /** Sign-ins started per minute by everyone together, per replica. */
  ssoStartsTotal: number;
  /** "Connect from your machine" bundles per user per minute. */
  bundlesPerUser: number;
}

/**
 * A sign-in start needs no credentials and stores a row (state, PKCE verifier, a CLI's
 * CSR) until it expires; a bundle makes a private key on the server. Both are cheap for a
 * caller and not for us, so both are counted, and past the limit the caller gets 429 with
 * Retry-After. The numbers leave room for a person retrying and for a team signing in at
 * nine in the morning; scripts that need more should use `postern login` once and keep
 * their certificate.
 */
export const DEFAULT_REQUEST_LIMITS: RequestLimitSettings = { ssoStartsPerAddress: 20, ssoStartsTotal: 300, bundlesPerUser: 10 };

const MINUTE = 60_000;

export class RequestLimits {
  private readonly ssoByAddress: RequestLimiter;
  private readonly ssoTotal: RequestLimiter;
  private readonly bundles: RequestLimiter;

  constructor(settings: RequestLimitSettings = DEFAULT_REQUEST_LIMITS, now: () => number = Date.now) {
    this.ssoByAddress = new RequestLimiter({ limit: settings.ssoStartsPerAddress, windowMs: MINUTE }, now);
    this.ssoTotal = new RequestLimiter({ limit: settings.ssoStartsTotal, windowMs: MINUTE }, now);
    this.bundles = new RequestLimiter({ limit: settings.bundlesPerUser, windowMs: MINUTE }, now);
  }

  /** Before a sign-in through a connector starts; throws rate_limited. */
  ssoStart(addr: string): void {
    // The address first: one noisy client must not use up everyone's allowance.
    const own = this.ssoByAddress.take(addr);
    if (own > 0) throw limited(`too many sign-ins started from ${addr}`, own);
    const all = this.ssoTotal.take('*');
    if (all > 0) throw limited('too many sign-ins are being started on this server right now', all);
  }

  /** Before a bundle with a new private key is made for `user`; throws rate_limited. */
  bundle(user: string): void {
    const wait = this.bundles.take(user);
    if (wait > 0) throw limited(`too many connection bundles downloaded by ${user}`, wait);
  }
}

function limited(what: string, waitMs: number): AuthError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new AuthError('rate_limited', `${what}; try again in ${seconds} s`, { retryAfter: seconds });
}
