import { Asn1ShapeError, directoryString } from './asn1';
import { PkiError } from './errors';
import { forge, parseDer } from './forge';
import { checkName } from './names';
import { DB_PROTOCOLS, HOST_ROLES } from './types';
import type { DatabaseRoute, DbProtocol, HostRole } from './types';

/**
 * Private OID arc for Postern's certificate extensions (1.3.6.1.4.1 = IANA enterprise
 * numbers). 59127 is a placeholder: register a Private Enterprise Number with IANA before
 * 1.0 and change it here; it only has to be stable between a CA and its verifiers.
 */
export const POSTERN_OID_ARC = '1.3.6.1.4.1.59127';
export const IDENTITY_EXTENSION_OID = `${POSTERN_OID_ARC}.1.1`;

export interface UserClaims {
  v: 1;
  kind: 'user';
  cluster: string;
  username: string;
  roles: string[];
  traits: Record<string, string[]>;
  route?: DatabaseRoute;
}

export interface HostClaims {
  v: 1;
  kind: 'host';
  cluster: string;
  hostId: string;
  hostname: string;
  role: HostRole;
}

export type IdentityClaims = UserClaims | HostClaims;

/**
 * JSON with object keys sorted at every level and no whitespace: the same identity always
 * yields the same bytes, so certificates can be compared and diffed by their extension.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: cannot encode ${typeof value}`);
}

function checkStringList(value: unknown, what: string): string[] {
  if (!Array.isArray(value)) throw new PkiError('invalid_argument', `${what} must be a list of strings`);
  return value.map((v, i) => checkName(v, `${what}[${i}]`));
}

const MAX_TRAIT_VALUE = 1024;

/** Trait values come from identity providers as they are; only their type and size are checked. */
function checkTraits(value: unknown): Record<string, string[]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PkiError('invalid_argument', 'traits must be an object of string lists');
  }
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    checkName(k, 'a trait name');
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string' && s.length <= MAX_TRAIT_VALUE)) {
      throw new PkiError('invalid_argument', `trait ${k} must be a list of strings of at most ${MAX_TRAIT_VALUE} characters`);
    }
    out[k] = [...(v as string[])];
  }
  return out;
}

export function checkRoute(value: unknown): DatabaseRoute {
  if (typeof value !== 'object' || value === null) throw new PkiError('invalid_argument', 'the route must be an object');
  const r = value as Record<string, unknown>;
  if (!DB_PROTOCOLS.includes(r.protocol as DbProtocol)) {
    throw new PkiError('invalid_argument', `the route protocol must be one of ${DB_PROTOCOLS.join(', ')}`);
  }
  return {
    service: checkName(r.service, 'the route database service'),
    protocol: r.protocol as DbProtocol,
    username: checkName(r.username, 'the route database user'),
    database: checkName(r.database, 'the route database name'),
  };
}

export function checkHostRole(value: unknown): HostRole {
  if (!HOST_ROLES.includes(value as HostRole)) {
    throw new PkiError('invalid_argument', `the host role must be one of ${HOST_ROLES.join(', ')}`);
  }
  return value as HostRole;
}

/** Validates claims field by field, so nothing unchecked reaches a certificate or a caller. */
export function checkClaims(value: unknown): IdentityClaims {
  if (typeof value !== 'object' || value === null) throw new PkiError('invalid_argument', 'identity claims must be an object');
  const c = value as Record<string, unknown>;
  if (c.v !== 1) throw new PkiError('invalid_argument', `unsupported identity version ${String(c.v)}`);
  const cluster = checkName(c.cluster, 'the cluster name');
  if (c.kind === 'user') {
    const claims: UserClaims = {
      v: 1,
      kind: 'user',
      cluster,
      username: checkName(c.username, 'the user name'),
      roles: checkStringList(c.roles, 'roles'),
      traits: checkTraits(c.traits),
    };
    if (c.route !== undefined) claims.route = checkRoute(c.route);
    return claims;
  }
  if (c.kind === 'host') {
    return {
      v: 1,
      kind: 'host',
      cluster,
      hostId: checkName(c.hostId, 'the host id'),
      hostname: checkName(c.hostname, 'the host name'),
      role: checkHostRole(c.role),
    };
  }
  throw new PkiError('invalid_argument', `unknown identity kind ${String(c.kind)}`);
}

/** The extnValue: a DER UTF8String holding the canonical JSON (binary string, as forge wants). */
export function encodeIdentityExtension(claims: IdentityClaims): string {
  const json = canonicalJson(checkClaims(claims));
  const node = forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.UTF8, false, forge.util.encodeUtf8(json));
  return forge.asn1.toDer(node).getBytes();
}

export function decodeIdentityExtension(extnValue: string): IdentityClaims {
  try {
    const node = parseDer(Buffer.from(extnValue, 'binary'));
    if (node.type !== forge.asn1.Type.UTF8) throw new Asn1ShapeError('expected a UTF8String');
    return checkClaims(JSON.parse(directoryString(node, 'identity')));
  } catch (err) {
    throw new PkiError('cert_malformed', `the Postern identity in the certificate could not be read (${(err as Error).message})`);
  }
}
