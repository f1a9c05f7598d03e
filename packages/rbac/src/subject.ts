import type { Role } from './schema';
import type { Traits } from './templates';

/** A database as an agent registers it: the name users type and the labels roles select on. */
export interface DatabaseResource {
  name: string;
  protocol: string;
  labels: Readonly<Record<string, string>>;
}

/**
 * Who is asking: the identity from a verified certificate or web session, with the roles
 * already resolved. Traits feed role templates ('db_users', 'db_names', SSO claims).
 * Locks and access requests will add fields here, not new decision functions.
 */
export interface AccessSubject {
  username: string;
  roles: readonly Role[];
  traits: Traits;
}

/** The reason is shown to the person who was refused, so it says what would be allowed. */
export type AccessDecision = { allowed: true } | { allowed: false; reason: string };
