import { maxSessionTtlMs, parseDuration, RbacError, type Role } from '@postern/rbac';
import { AuthError } from '../errors';

export const DEFAULT_CERT_TTL_MS = 12 * 3600_000;

/** The requested TTL (default 12h), capped by the roles' max_session_ttl and by `cap`. */
export function certTtlMs(requested: string | undefined, roles: Role[], capMs = Infinity): number {
  let ttl = DEFAULT_CERT_TTL_MS;
  if (requested) {
    try {
      ttl = parseDuration(requested);
    } catch (err) {
      if (err instanceof RbacError) throw new AuthError('bad_request', `ttl: ${err.message}`);
      throw err;
    }
  }
  if (ttl < 60_000) throw new AuthError('bad_request', 'ttl: must be at least 1m');
  const ttlCap = Math.min(maxSessionTtlMs(roles), capMs);
  if (ttlCap <= 0) throw new AuthError('forbidden', 'your roles allow no session: ask an admin for a role');
  return Math.min(ttl, ttlCap);
}
