import type { RoleInfo } from '@postern/api';
import { builtinRoles, parseRole, parseRoleYaml, RbacError, type Role } from '@postern/rbac';
import { emit } from '../audit/record';
import type { AuthContext } from '../context';
import { AuthError } from '../errors';
import { isBuiltinRole } from './resolve-roles';

export async function listRoles(ctx: AuthContext): Promise<RoleInfo[]> {
  const rows = await ctx.store.prisma.role.findMany({ orderBy: { name: 'asc' } });
  const builtin = Object.values(builtinRoles).map((r) => ({ name: r.metadata.name, builtin: true, role: r as unknown as Record<string, unknown> }));
  return [...builtin, ...rows.map((r) => ({ name: r.name, builtin: false, role: r.spec as Record<string, unknown> }))];
}

export async function getRole(ctx: AuthContext, name: string): Promise<RoleInfo> {
  const found = (await listRoles(ctx)).find((r) => r.name === name);
  if (!found) throw new AuthError('not_found', `no role ${name}`);
  return found;
}

function validRole(parse: () => Role): Role {
  try {
    return parse();
  } catch (err) {
    if (err instanceof RbacError) throw new AuthError('bad_request', err.message);
    throw err;
  }
}

/** Creates or replaces a role. Built-in roles cannot be replaced, so no one can lock the admins out. */
export async function applyRole(ctx: AuthContext, input: unknown, by: string): Promise<RoleInfo> {
  return saveRole(ctx, validRole(() => parseRole(input)), by);
}

/** The same from YAML text, as the web editor sends it: errors name the line or the key path. */
export async function applyRoleYaml(ctx: AuthContext, text: string, by: string): Promise<RoleInfo> {
  return saveRole(ctx, validRole(() => parseRoleYaml(text)), by);
}

async function saveRole(ctx: AuthContext, role: Role, by: string): Promise<RoleInfo> {
  const name = role.metadata.name;
  if (isBuiltinRole(name)) throw new AuthError('conflict', `${name} is a built-in role and cannot be changed; create a role with another name`);
  await ctx.store.prisma.role.upsert({ where: { name }, create: { name, spec: role as object }, update: { spec: role as object } });
  emit(ctx, 'role.created', { user: by, name });
  return { name, builtin: false, role: role as unknown as Record<string, unknown> };
}

export async function removeRole(ctx: AuthContext, name: string, by: string): Promise<void> {
  if (isBuiltinRole(name)) throw new AuthError('conflict', `${name} is a built-in role and cannot be removed`);
  const users = await ctx.store.prisma.user.findMany({ where: { roles: { has: name } }, select: { name: true } });
  if (users.length > 0) {
    throw new AuthError('conflict', `role ${name} is still given to ${users.map((u) => u.name).join(', ')}; take it from them first`);
  }
  const removed = await ctx.store.prisma.role.deleteMany({ where: { name } });
  if (removed.count === 0) throw new AuthError('not_found', `no role ${name}`);
  emit(ctx, 'role.deleted', { user: by, name });
}
