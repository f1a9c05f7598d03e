import { isActionAllowed } from '@postern/rbac';
import type { AdminCaller, Caller, HostCaller, UserCaller } from '../caller';
import { AuthError } from '../errors';

/** A person (user or the admin identity) whose roles allow `verb` on `resource`. */
export function requireAction(caller: Caller, resource: string, verb: string): UserCaller | AdminCaller {
  if (caller.kind === 'host') throw new AuthError('forbidden', 'hosts cannot use this endpoint');
  if (!isActionAllowed(caller.roles, resource, verb)) {
    throw new AuthError('forbidden', `access denied: your roles (${caller.roleNames.join(', ')}) do not allow ${verb} on ${resource}`);
  }
  return caller;
}

export function requireUser(caller: Caller): UserCaller {
  if (caller.kind !== 'user') throw new AuthError('forbidden', 'this endpoint is for users signed in with `postern login`');
  return caller;
}

export function requireHost(caller: Caller, role?: 'agent' | 'proxy'): HostCaller {
  if (caller.kind !== 'host' || (role && caller.host.role !== role)) {
    throw new AuthError('forbidden', `this endpoint is for ${role ?? 'host'}s joined to the cluster`);
  }
  return caller;
}
