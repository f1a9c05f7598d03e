import type { UserInfo } from '@postern/api';
import type { User } from '@postern/store';

export function toUserInfo(u: User): UserInfo {
  return {
    name: u.name,
    roles: u.roles,
    traits: (u.traits ?? {}) as Record<string, string[]>,
    locked: u.locked,
    active: u.passwordHash !== null || u.ssoConnector !== null,
    ...(u.ssoConnector ? { connector: u.ssoConnector } : {}),
    created: u.createdAt.toISOString(),
  };
}
