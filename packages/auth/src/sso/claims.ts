import type { ConnectorConfig } from '@postern/config';

/** What an identity provider said about someone: ID-token/userinfo claims or SAML attributes. */
export type Claims = Record<string, unknown>;

type Rule = ConnectorConfig['claims_to_roles'][number];

/**
 * The values of one claim as strings. `groups` may be a string or a list; a dotted path
 * reaches into objects (Keycloak's `realm_access.roles`) unless a claim has the whole
 * dotted name itself (SAML attribute names are often URLs with dots).
 */
export function claimValues(claims: Claims, name: string): string[] {
  let value: unknown = Object.hasOwn(claims, name) ? claims[name] : undefined;
  if (value === undefined && name.includes('.')) {
    value = name.split('.').reduce<unknown>((obj, key) => {
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || !Object.hasOwn(obj, key)) return undefined;
      return (obj as Record<string, unknown>)[key];
    }, claims);
  }
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return list.filter((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean').map(String);
}

/** `*` matches any run of characters; everything else is literal and case-sensitive. */
export function valueMatches(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, 's').test(value);
}

/** The roles the rules grant for these claims, each once, in the order the rules give them. */
export function rolesFromClaims(rules: readonly Rule[], claims: Claims): string[] {
  const roles = new Set<string>();
  for (const rule of rules) {
    if (claimValues(claims, rule.claim).some((v) => valueMatches(rule.value, v))) {
      for (const role of rule.roles) roles.add(role);
    }
  }
  return [...roles];
}

// Protocol fields of an ID token or an assertion: they say nothing about the person.
const PROTOCOL_CLAIMS = new Set(['iss', 'aud', 'exp', 'iat', 'nbf', 'nonce', 'at_hash', 'c_hash', 's_hash', 'azp', 'auth_time', 'sid', 'jti', 'acr', 'amr']);
const MAX_TRAITS = 50;
const MAX_VALUES = 100;
const MAX_VALUE_LENGTH = 253;

/**
 * The user's traits: every claim whose value is text or a list of text, so that roles can
 * use `{{external.groups}}`. Capped, because traits travel inside every user certificate.
 */
export function traitsFromClaims(claims: Claims): Record<string, string[]> {
  const traits: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (Object.keys(traits).length >= MAX_TRAITS) break;
    if (PROTOCOL_CLAIMS.has(name) || name.length > 255) continue;
    const list = Array.isArray(value) ? value : [value];
    if (list.length === 0 || !list.every((v) => typeof v === 'string')) continue;
    const values = (list as string[]).filter((v) => v.length > 0 && v.length <= MAX_VALUE_LENGTH).slice(0, MAX_VALUES);
    if (values.length > 0) traits[name] = values;
  }
  return traits;
}

/**
 * What the refusal page shows: the user name and the values of the claims the connector's
 * rules look at (so a person can see why nothing matched), never tokens or other claims.
 */
export function claimsSeenByRules(rules: readonly Rule[], claims: Claims): Record<string, string[]> {
  const seen: Record<string, string[]> = {};
  for (const rule of rules) {
    if (Object.hasOwn(seen, rule.claim)) continue;
    seen[rule.claim] = claimValues(claims, rule.claim).slice(0, 20).map((v) => (v.length > 100 ? `${v.slice(0, 100)}…` : v));
  }
  return seen;
}
