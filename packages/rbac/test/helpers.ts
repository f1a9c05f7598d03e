import { parseRole, type Role } from '../src/index';
import type { AccessSubject, Conditions, DatabaseResource } from '../src/index';

/** A valid role from just its conditions, so test tables stay readable. */
export function role(name: string, allow?: Conditions, deny?: Conditions, ttl?: string): Role {
  return parseRole({
    kind: 'role',
    metadata: { name },
    spec: { ...(allow ? { allow } : {}), ...(deny ? { deny } : {}), ...(ttl ? { options: { max_session_ttl: ttl } } : {}) },
  });
}

export function subject(roles: Role[], traits: Record<string, string[]> = {}): AccessSubject {
  return { username: 'alice', roles, traits };
}

export const demo: DatabaseResource = { name: 'demo', protocol: 'postgres', labels: { env: 'dev', team: 'core' } };
export const prod: DatabaseResource = { name: 'orders', protocol: 'postgres', labels: { env: 'prod', team: 'core' } };
export const unlabelled: DatabaseResource = { name: 'bare', protocol: 'mysql', labels: {} };
