import type { AuthService, Caller } from '@postern/auth';
import { CSRF_HEADER, sessionTokenFrom } from './session-cookie';
import { HttpError } from './http-error';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Who sends this request. An Authorization header (the CLI's Bearer session, a host's
 * signature) carries no ambient authority, so it needs nothing more. The browser's session
 * cookie does: a state-changing request that rides on it must come from our own origin and
 * carry the session's anti-CSRF token.
 */
export async function requestCaller(service: AuthService, req: Request, path: string, body: string): Promise<Caller> {
  const authorization = req.headers.get('authorization');
  const cookieToken = authorization ? undefined : sessionTokenFrom(req.headers.get('cookie'));
  if (!cookieToken) return service.authenticate(authorization, { method: req.method, path, body });
  const caller = await service.authenticateWebSession(cookieToken);
  if (!SAFE_METHODS.has(req.method)) {
    assertSameOrigin(req);
    service.checkCsrfToken(caller, req.headers.get(CSRF_HEADER));
  }
  return caller;
}

function assertSameOrigin(req: Request): void {
  const origin = req.headers.get('origin');
  if (origin === null) return; // not sent by every browser on same-origin requests; the token still is
  const host = req.headers.get('x-forwarded-host') || req.headers.get('host');
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw new HttpError(403, 'bad_origin', `malformed Origin header: ${origin.slice(0, 100)}`);
  }
  if (!host || originHost !== host) {
    throw new HttpError(403, 'bad_origin', `cross-origin request refused (Origin ${origin.slice(0, 100)} is not this site)`);
  }
}
