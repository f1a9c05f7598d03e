import { parseDuration } from './duration';
import type { Role } from './schema';

/** What a role without options.max_session_ttl allows, as Teleport's default. */
export const DEFAULT_MAX_SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/**
 * Certificate lifetime cap for a user holding these roles: the strictest role wins, so
 * adding a role can never lengthen a session another role limits. No roles, no session.
 */
export function maxSessionTtlMs(roles: readonly Role[]): number {
  if (roles.length === 0) return 0;
  let min = Infinity;
  for (const role of roles) {
    const text = role.spec.options?.max_session_ttl;
    const ttl = text === undefined ? DEFAULT_MAX_SESSION_TTL_MS : parseDuration(text);
    if (ttl < min) min = ttl;
  }
  return min;
}
