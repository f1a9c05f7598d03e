import { isActionAllowed } from '@postern/rbac';
import type { AdminCaller, Caller, HostCaller, UserCaller } from '../caller';
import { AuthError } from '../errors';
import { revokedHostMessage } from '../hosts/revoked-hosts';

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

/**
 * A host joined to the cluster (of `role`, when given) and not removed since. Only a call
 * that must not lose what a removed host still holds passes `allowRevoked` (its audit events).
 */
export function requireHost(caller: Caller, role?: 'agent' | 'proxy', opts: { allowRevoked?: boolean } = {}): HostCaller {
  if (caller.kind !== 'host' || (role && caller.host.role !== role)) {
    throw new AuthError('forbidden', `this endpoint is for ${role ?? 'host'}s joined to the cluster`);
  }
  if (caller.revoked && !opts.allowRevoked) throw new AuthError('host_removed', revokedHostMessage(caller.revoked));
  return caller;
}
