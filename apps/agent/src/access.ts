import { accessLookupResponse } from '@postern/api';
import type { DatabaseTarget } from '@postern/engine';
import type { UserIdentity } from '@postern/pki';
import { checkDatabaseAccess, consoleLimits, parseRole, type AccessDecision, type ConsoleLimits, type Role } from '@postern/rbac';
import type { AuthClient } from './auth-client';

const CACHE_MS = 5_000;

/**
 * Defense in depth: the agent decides again, with the user's roles as they are now (not as
 * the certificate says they were), so a compromised proxy cannot grant access and a lock
 * takes effect within seconds.
 */
export class AccessChecker {
  private readonly cache = new Map<string, { at: number; locked: boolean; roles: Role[] }>();

  constructor(private readonly auth: AuthClient) {}

  private async lookup(identity: UserIdentity): Promise<{ locked: boolean; roles: Role[] }> {
    const key = `${identity.username}\n${identity.roles.join(',')}`;
    let entry = this.cache.get(key);
    if (!entry || Date.now() - entry.at > CACHE_MS) {
      const res = await this.auth.call('POST', '/agents/access', { user: identity.username, roles: identity.roles }, accessLookupResponse);
      entry = { at: Date.now(), locked: res.locked, roles: res.roles.map((r) => parseRole(r)) };
      this.cache.set(key, entry);
      if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    }
    return entry;
  }

  /** The browser console's limits from the user's current roles (the strictest role wins). */
  async consoleLimits(identity: UserIdentity): Promise<ConsoleLimits> {
    return consoleLimits((await this.lookup(identity)).roles);
  }

  async check(identity: UserIdentity & { route: NonNullable<UserIdentity['route']> }, db: DatabaseTarget): Promise<AccessDecision> {
    const entry = await this.lookup(identity);
    if (entry.locked) return { allowed: false, reason: `user ${identity.username} is locked or was removed; ask an admin` };
    return checkDatabaseAccess(
      { username: identity.username, roles: entry.roles, traits: identity.traits },
      { name: db.name, protocol: db.protocol, labels: db.labels },
      { dbUser: identity.route.username, dbName: identity.route.database },
    );
  }
}
