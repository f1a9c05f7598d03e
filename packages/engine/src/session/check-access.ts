import type { SessionContext } from './contract';
import { describeError } from './describe-error';

export const ACCESS_CHECK_FAILED_MESSAGE = 'Postern could not check your access; try again, or ask an administrator to look at the agent logs';

/** Why a session may not start, in words for the person: the roles say no, or the check itself failed. */
export interface AccessRefusal {
  kind: 'access_denied' | 'internal';
  message: string;
}

/**
 * Checks the user's access again as a session starts (roles and locks may have changed
 * since the certificate was issued). Resolves undefined when the session may start, else
 * why not; a check that fails is logged and refuses, never lets through. Never rejects.
 */
export async function checkAccess(ctx: Pick<SessionContext, 'authorize' | 'log'>): Promise<AccessRefusal | undefined> {
  let decision;
  try {
    decision = await ctx.authorize();
  } catch (err) {
    ctx.log.error({ err: describeError(err) }, 'access check failed');
    return { kind: 'internal', message: ACCESS_CHECK_FAILED_MESSAGE };
  }
  return decision.allowed ? undefined : { kind: 'access_denied', message: decision.reason };
}
