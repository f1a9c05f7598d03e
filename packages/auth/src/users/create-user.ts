import { randomUUID } from 'node:crypto';
import type { AddUserRequest, AddUserResponse } from '@postern/api';
import { parseDuration } from '@postern/rbac';
import { emit } from '../audit/record';
import type { AuthContext } from '../context';
import { AuthError } from '../errors';
import { assertRolesExist } from '../roles/resolve-roles';
import { createSignupLink } from './signup-link';
import { toUserInfo } from './user-info';

export async function createUser(ctx: AuthContext, req: AddUserRequest, by: string): Promise<AddUserResponse> {
  await assertRolesExist(ctx, req.roles);
  const existing = await ctx.store.prisma.user.findUnique({ where: { name: req.name } });
  if (existing) throw new AuthError('conflict', `user ${req.name} already exists`);
  const ttlMs = req.ttl ? parseDuration(req.ttl) : 3600_000;
  const user = await ctx.store.prisma.user.create({
    data: { id: randomUUID(), name: req.name, roles: req.roles, traits: req.traits },
  });
  const link = await createSignupLink(ctx, user.id, ttlMs);
  emit(ctx, 'user.create', { user: by, name: req.name, roles: req.roles });
  return { user: toUserInfo(user), signup_url: link.url, expires: link.expires.toISOString() };
}
