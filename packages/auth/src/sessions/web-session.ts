import { createHmac, timingSafeEqual } from 'node:crypto';
import { maxSessionTtlMs } from '@postern/rbac';
import type { AuthContext } from '../context';
import { AuthError } from '../errors';
import type { CheckedUser } from '../login/local-login';
import { createSession } from './create-session';

/** A browser session lasts a working day unless the roles allow less. */
export const WEB_SESSION_TTL_MS = 12 * 3600_000;

export interface WebSession {
  token: string;
  id: string;
  expiresAt: Date;
}

/** A browser session for someone whose identity was just proven (password, OIDC, SAML). */
export async function startWebSession(ctx: AuthContext, user: CheckedUser): Promise<WebSession> {
  const cap = maxSessionTtlMs(user.roles);
  if (cap <= 0) {
    throw new AuthError('forbidden', `${user.name} has no role that allows a session: ask an admin to grant one`);
  }
  const ttl = Math.min(WEB_SESSION_TTL_MS, cap);
  return createSession(ctx, user.id, 'web', new Date(ctx.now().getTime() + ttl));
}

/**
 * The anti-CSRF token of a browser session: an HMAC of its id, so nothing extra is stored
 * and a token is worthless for any other session. Pages carry it; every state-changing
 * request made with the session cookie must send it back in a header.
 */
export function csrfTokenFor(ctx: AuthContext, sessionId: string): string {
  return createHmac('sha256', ctx.masterKey).update(`postern-csrf:${sessionId}`).digest('base64url');
}

export function checkCsrfToken(ctx: AuthContext, sessionId: string, presented: string | null): void {
  const expected = Buffer.from(csrfTokenFor(ctx, sessionId));
  const got = Buffer.from(presented ?? '');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
    throw new AuthError('forbidden', 'missing or wrong CSRF token: reload the page and try again');
  }
}
