import { BUILTIN_ROLE_NAMES, builtinRoles, parseRole, type Role } from '@postern/rbac';
import type { AuthContext } from '../context';
import { AuthError } from '../errors';

export function isBuiltinRole(name: string): boolean {
  return BUILTIN_ROLE_NAMES.includes(name);
}

/** The roles behind a list of names; names of roles removed since are skipped (and logged). */
export async function resolveRoles(ctx: AuthContext, names: string[]): Promise<Role[]> {
  const out: Role[] = [];
  const stored = names.filter((n) => !isBuiltinRole(n));
  const rows = stored.length > 0 ? await ctx.store.prisma.role.findMany({ where: { name: { in: stored } } }) : [];
  const byName = new Map(rows.map((r) => [r.name, r]));
  for (const name of names) {
    if (isBuiltinRole(name)) {
      out.push(builtinRoles[name as keyof typeof builtinRoles]);
      continue;
    }
    const row = byName.get(name);
    if (!row) {
      ctx.log.warn({ role: name }, 'a user refers to a role that does not exist; ignored');
      continue;
    }
    out.push(parseRole(row.spec));
  }
  return out;
}

/** Throws a 400 naming the unknown ones and the known ones, before anything is written. */
export async function assertRolesExist(ctx: AuthContext, names: string[]): Promise<void> {
  const stored = await ctx.store.prisma.role.findMany({ select: { name: true } });
  const known = new Set([...BUILTIN_ROLE_NAMES, ...stored.map((r) => r.name)]);
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new AuthError('bad_request', `unknown role ${unknown.join(', ')}; known roles: ${[...known].sort().join(', ')}`);
  }
}
