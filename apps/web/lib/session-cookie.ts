import { SESSION_COOKIE } from '@postern/api/session-cookie';

export { SESSION_COOKIE, sessionTokenFrom } from '@postern/api/session-cookie';

/**
 * The browser session travels in one cookie: HttpOnly (scripts never see it), Secure (the
 * proxy serves HTTPS; Chromium also accepts it on http://localhost), SameSite=Lax (sent on
 * the top-level redirect back from an identity provider, never on cross-site POSTs).
 */

/** The header pages and scripts send the anti-CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

export function sessionCookie(token: string, expires: Date): string {
  return `${SESSION_COOKIE}=${token}; Path=/; Expires=${expires.toUTCString()}; HttpOnly; Secure; SameSite=Lax`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax`;
}
