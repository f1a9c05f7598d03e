import { parseRole } from './parse';
import type { Role } from './schema';

// Built-in roles exist in every cluster, so that the first admin can do anything and
// ordinary users get per-user database access from their traits without a custom role.
// They go through parseRole so that they can never drift from the schema.

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

const DEFAULT_TTL = '12h';

const admin = parseRole({
  kind: 'role',
  version: 'v1',
  metadata: { name: 'admin', description: 'Full access to every database and to the admin API' },
  spec: {
    allow: {
      db_labels: { '*': '*' },
      db_names: ['*'],
      db_users: ['*'],
      rules: [{ resources: ['*'], verbs: ['*'] }],
    },
    options: { max_session_ttl: DEFAULT_TTL },
  },
});

const access = parseRole({
  kind: 'role',
  version: 'v1',
  metadata: { name: 'access', description: "Every database, as the db users and db names set on the user's traits" },
  spec: {
    allow: {
      db_labels: { '*': '*' },
      db_names: ['{{internal.db_names}}'],
      db_users: ['{{internal.db_users}}'],
    },
    options: { max_session_ttl: DEFAULT_TTL },
  },
});

// Frozen: these objects are shared by every caller in the process, and a mutation by one
// would silently change policy for all.
export const builtinRoles: { readonly admin: Role; readonly access: Role } = deepFreeze({ admin, access });

export const BUILTIN_ROLE_NAMES: readonly string[] = Object.freeze(Object.keys(builtinRoles));

export function isBuiltinRoleName(name: string): boolean {
  return BUILTIN_ROLE_NAMES.includes(name);
}
