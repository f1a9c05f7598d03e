import type { UserCaller } from '@postern/auth';
import { cookies } from 'next/headers';
import { forbidden, redirect } from 'next/navigation';
import { authService } from './auth-service';
import { SESSION_COOKIE } from './session-cookie';

export interface PageSession {
  caller: UserCaller;
  csrf: string;
  isAdmin: boolean;
}

/** The signed-in person of this page request, or undefined (no cookie, expired, revoked, locked). */
export async function currentSession(): Promise<PageSession | undefined> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  if (!token) return undefined;
  const service = authService();
  try {
    const caller = await service.authenticateWebSession(token);
    return { caller, csrf: service.csrfToken(caller), isAdmin: service.allows(caller, 'user', 'list') };
  } catch (err) {
    if ((err as { name?: string }).name === 'AuthError') return undefined;
    throw err;
  }
}

/** Pages behind sign-in send strangers to /login and bring them back afterwards. */
export async function requireSession(returnTo: string): Promise<PageSession> {
  const session = await currentSession();
  if (!session) redirect(`/login?next=${encodeURIComponent(returnTo)}`);
  return session;
}

/** Admin pages answer 403 to anyone whose roles do not allow `verb` on `resource`. */
export async function requireAdminSession(returnTo: string, resource = 'user', verb = 'list'): Promise<PageSession> {
  const session = await requireSession(returnTo);
  if (!authService().allows(session.caller, resource, verb)) forbidden();
  return session;
}
