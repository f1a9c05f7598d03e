import { randomUUID } from 'node:crypto';
import { userName } from '@postern/api';
import type { ConnectorConfig } from '@postern/config';
import { maxSessionTtlMs } from '@postern/rbac';
import type { User } from '@postern/store';
import { emit } from '../audit/record';
import type { AuthContext } from '../context';
import { AuthError } from '../errors';
import type { CheckedUser } from '../login/local-login';
import { resolveRoles } from '../roles/resolve-roles';
import { claimsSeenByRules, claimValues, rolesFromClaims, traitsFromClaims, type Claims } from './claims';
import { displayName } from './connectors';
import type { RefusalInfo } from './requests';

/** A sign-in the identity provider vouched for, but that Postern refuses (no role, a clash of names). */
export class SsoRefusal extends Error {
  override name = 'SsoRefusal';
  constructor(readonly info: RefusalInfo) {
    super(info.reason);
  }
}

export interface SsoIdentity {
  /** From the connector's username claim (OIDC) or attribute / NameID (SAML). */
  username: string | undefined;
  claims: Claims;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === 'P2002';
}

/**
 * The Postern user behind an SSO identity: created on first sign-in, its roles and traits
 * replaced from the claims on every sign-in (the identity provider is the source of truth),
 * marked with the connector so it can never sign in with a password.
 */
export async function signInSsoUser(ctx: AuthContext, c: ConnectorConfig, identity: SsoIdentity): Promise<CheckedUser> {
  const refuse = (reason: string, user = identity.username): never => {
    throw new SsoRefusal({ connector: c.name, display: displayName(c), user, reason, claims: claimsSeenByRules(c.claims_to_roles, identity.claims) });
  };
  const source = c.type === 'oidc' ? `claim ${c.username_claim}` : c.username_attribute ? `attribute ${c.username_attribute}` : 'NameID';
  if (!identity.username) {
    const seen = c.type === 'oidc' ? claimValues(identity.claims, c.username_claim) : [];
    refuse(`the identity provider sent no user name (${source}${seen.length > 0 ? ` is not text` : ' is missing'}): ask an admin to check the connector's settings`, undefined);
  }
  const name = identity.username!;
  if (!userName.safeParse(name).success) {
    refuse(`the user name ${JSON.stringify(name.slice(0, 64))} (from the ${source}) is not a valid Postern user name: letters, digits, ".", "_", "@" and "-", at most 64 characters`);
  }

  const roleNames = rolesFromClaims(c.claims_to_roles, identity.claims);
  if (c.claims_to_roles.length === 0) refuse(`connector ${c.name} maps no claims to roles (claims_to_roles is empty): ask an admin to add a mapping`);
  if (roleNames.length === 0) refuse(`none of the claims matched a rule of connector ${c.name}, so no role was granted: ask an admin to add you to a group it maps`);
  const roles = await resolveRoles(ctx, roleNames);
  if (maxSessionTtlMs(roles) <= 0) {
    refuse(`the roles mapped for you (${roleNames.join(', ')}) do not exist in this cluster: ask an admin to create them`);
  }
  const traits = traitsFromClaims(identity.claims);

  let user: User | null = await ctx.store.prisma.user.findUnique({ where: { name } });
  if (!user) {
    try {
      user = await ctx.store.prisma.user.create({ data: { id: randomUUID(), name, roles: roleNames, traits, ssoConnector: c.name } });
      emit(ctx, 'user.create', { user: name, name, roles: roleNames });
    } catch (err) {
      // Someone signed in under the same name at the same moment: go on with that row.
      if (!isUniqueViolation(err)) throw err;
      user = await ctx.store.prisma.user.findUniqueOrThrow({ where: { name } });
    }
  }
  // Never take over a local user (or another connector's) because an identity provider
  // sends the same name: that would hand its roles to whoever controls that IdP account.
  if (user.ssoConnector === null) refuse(`a local user named ${name} already exists, and SSO cannot sign in as a local user: ask an admin`);
  if (user.ssoConnector !== c.name) refuse(`user ${name} signs in through connector ${user.ssoConnector}, not ${c.name}`);
  if (user.locked) throw new AuthError('locked', `user ${name} is locked; ask an admin to unlock it`);
  if (!sameList(user.roles, roleNames) || JSON.stringify(user.traits) !== JSON.stringify(traits)) {
    const rolesChanged = !sameList(user.roles, roleNames);
    user = await ctx.store.prisma.user.update({ where: { id: user.id }, data: { roles: roleNames, traits } });
    emit(ctx, 'user.update', { user: name, name, ...(rolesChanged ? { roles: roleNames } : {}) });
  }
  return { id: user.id, name: user.name, roleNames, roles, traits };
}
