/**
 * The browser session's cookie name and how to read it from a Cookie header: the web app
 * sets and reads it, and the console's WebSocket (at the proxy) must present the same one.
 */
export const SESSION_COOKIE = 'postern_session';

/** The session token from a Cookie header, if there is one. */
export function sessionTokenFrom(cookieHeader: string | null | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}
