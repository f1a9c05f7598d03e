import type { AuthService, SsoFinish } from '@postern/auth';
import { authService } from './auth-service';
import { sessionCookie } from './session-cookie';

// The SSO endpoints a browser walks through answer with redirects, never with JSON: an
// error sends the person back to the sign-in page with a message (or, for a refused
// sign-in, to the refusal page), never to a 500.

/** The cookie that ties a sign-in to the browser that started it (login CSRF). */
const SSO_BINDING_COOKIE = 'postern_sso';

/**
 * SameSite=None because the SAML answer arrives as a cross-site POST from the identity
 * provider; the cookie grants nothing by itself.
 */
export function bindingCookie(value: string, expires: Date): string {
  return `${SSO_BINDING_COOKIE}=${value}; Path=/api/v1/sso; Expires=${expires.toUTCString()}; HttpOnly; Secure; SameSite=None`;
}

function clearedBindingCookie(): string {
  return `${SSO_BINDING_COOKIE}=; Path=/api/v1/sso; Max-Age=0; HttpOnly; Secure; SameSite=None`;
}

export function bindingFrom(cookieHeader: string | null): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SSO_BINDING_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** A 303 (the ACS is a POST: the browser must follow with a GET), with cookies. */
export function redirectTo(location: string, cookies: string[] = []): Response {
  const headers = new Headers({ location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  for (const c of cookies) headers.append('set-cookie', c);
  return new Response(null, { status: 303, headers });
}

export function signInError(message: string): Response {
  return redirectTo(`/login?error=${encodeURIComponent(message)}`, [clearedBindingCookie()]);
}

function messageOf(err: unknown): string {
  const e = err as { name?: string; message?: string };
  if (e?.name === 'AuthError' && e.message) return e.message;
  const id = crypto.randomUUID();
  console.error(JSON.stringify({ level: 'error', component: 'web', id, err: String((err as Error)?.stack ?? err) }));
  return `the sign-in failed with an internal error (${id}); the server log has the details`;
}

/** Runs a browser SSO step; whatever goes wrong becomes the sign-in page with a message. */
export async function ssoStep(fn: (service: AuthService) => Promise<Response>): Promise<Response> {
  try {
    return await fn(authService());
  } catch (err) {
    return signInError(messageOf(err));
  }
}

/** The identity provider's answer, turned into where the browser goes next. */
export function finishResponse(result: SsoFinish): Response {
  switch (result.kind) {
    case 'web':
      return redirectTo(result.next, [sessionCookie(result.session.token, result.session.expiresAt), clearedBindingCookie()]);
    case 'refused':
      return redirectTo(`/login/refused?ref=${encodeURIComponent(result.refusalId)}`, [clearedBindingCookie()]);
    case 'cli':
      return redirectTo(result.location);
  }
}

export function clientAddr(req: Request): string {
  return req.headers.get('x-postern-client-addr') ?? 'unknown';
}
