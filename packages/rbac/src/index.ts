// @postern/rbac: pure role parsing and access decisions, shared by the Auth Service, the
// proxy and the agent so that all three reach the same answer. No I/O here.
export { RbacError, type RbacErrorCode } from './errors';
export { parseDuration } from './duration';
export { roleSchema, type Role, type Conditions, type Labels, type Rule } from './schema';
export { parseRole, parseRoleYaml, roleToYaml } from './parse';
export { builtinRoles, BUILTIN_ROLE_NAMES, isBuiltinRoleName } from './builtin';
export type { AccessDecision, AccessSubject, DatabaseResource } from './subject';
export type { Traits } from './templates';
export { canSeeDatabase, checkDatabaseAccess, allowedDbUsers, allowedDbNames } from './access';
export { isActionAllowed } from './rules';
export { maxSessionTtlMs, DEFAULT_MAX_SESSION_TTL_MS } from './ttl';
export { consoleLimits, type ConsoleLimits } from './console-limits';
export { reachableDatabasesHint, unknownDatabaseMessage } from './unknown-database';
