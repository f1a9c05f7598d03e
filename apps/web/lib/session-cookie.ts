/**
 * The browser session travels in one cookie: HttpOnly (scripts never see it), Secure (the
 * proxy serves HTTPS; Chromium also accepts it on http://localhost), SameSite=Lax (sent on
 * the top-level redirect back from an identity provider, never on cross-site POSTs).
 */
export const SESSION_COOKIE = 'postern_session';

/** The header pages and scripts send the anti-CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

export function sessionCookie(token: string, expires: Date): string {
  return `${SESSION_COOKIE}=${token}; Path=/; Expires=${expires.toUTCString()}; HttpOnly; Secure; SameSite=Lax`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax`;
}

/** The session token from a Cookie header, if there is one. */
export function sessionTokenFrom(cookieHeader: string | null): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}
