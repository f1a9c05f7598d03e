import { X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readCertificateFields } from './cert-fields';
import type { CertFields } from './cert-fields';
import { PkiError } from './errors';
import { decodeIdentityExtension, IDENTITY_EXTENSION_OID } from './identity';
import type { HostClaims, IdentityClaims, UserClaims } from './identity';
import { checkNow } from './names';
import { certificateDer } from './pem';
import type { DbProtocol, HostIdentity, HostRole, UserIdentity, VerifyOptions } from './types';

export const DEFAULT_CLOCK_SKEW_MS = 60_000;
const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

interface TrustedCa {
  x509: X509Certificate;
  key: KeyObject;
}

// Verification runs on every connection; the trusted CAs change only on rotation.
const MAX_CACHED = 64;
const trustedCache = new Map<string, TrustedCa>();

function trustedCa(pem: string): TrustedCa {
  const hit = trustedCache.get(pem);
  if (hit) return hit;
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(pem);
  } catch (err) {
    throw new PkiError('ca_invalid', `a trusted CA certificate could not be read (${(err as Error).message})`);
  }
  const entry = { x509, key: x509.publicKey };
  if (trustedCache.size >= MAX_CACHED) {
    const oldest = trustedCache.keys().next().value;
    if (oldest !== undefined) trustedCache.delete(oldest);
  }
  trustedCache.set(pem, entry);
  return entry;
}

function signedBy(x509: X509Certificate, ca: TrustedCa): boolean {
  try {
    return x509.verify(ca.key);
  } catch {
    // e.g. a key type that cannot have made this signature
    return false;
  }
}

function ago(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
  ];
  for (const [size, unit] of units) {
    const n = Math.floor(ms / size);
    if (n >= 1) return `${n} ${unit}${n === 1 ? '' : 's'}`;
  }
  return `${Math.max(0, Math.floor(ms / 1000))} seconds`;
}

interface Verified {
  x509: X509Certificate;
  fields: CertFields;
  claims: IdentityClaims | undefined;
  now: Date;
}

interface Messages {
  untrusted: string;
  expired(claims: IdentityClaims | undefined, when: string): string;
}

/** Parsing, signature by a trusted CA and validity: what every Postern certificate check starts with. */
function verifyCommon(cert: string | Buffer, opts: VerifyOptions, messages: Messages): Verified {
  if (!Array.isArray(opts.trusted) || opts.trusted.length === 0) {
    throw new PkiError('invalid_argument', 'no trusted CA certificates were given');
  }
  const skew = opts.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  if (!Number.isFinite(skew) || skew < 0) throw new PkiError('invalid_argument', 'clockSkewMs must be a non-negative number');
  const now = checkNow(opts.now);

  const der = certificateDer(cert);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(der);
  } catch (err) {
    throw new PkiError('cert_malformed', `the certificate could not be read (${(err as Error).message})`);
  }
  const cas = opts.trusted.map(trustedCa);
  // The signature is the whole trust decision: names can be copied, keys cannot.
  if (!cas.some((ca) => signedBy(x509, ca))) throw new PkiError('cert_untrusted', messages.untrusted);

  const fields = readCertificateFields(der);
  const ext = fields.extensions.get(IDENTITY_EXTENSION_OID);
  const claims = ext ? decodeIdentityExtension(ext.value) : undefined;

  if (now.getTime() > fields.notAfter.getTime() + skew) {
    const when = `${fields.notAfter.toISOString()} (${ago(now.getTime() - fields.notAfter.getTime())} ago)`;
    throw new PkiError('cert_expired', messages.expired(claims, when));
  }
  if (now.getTime() < fields.notBefore.getTime() - skew) {
    throw new PkiError(
      'cert_not_yet_valid',
      `the certificate is not valid until ${fields.notBefore.toISOString()}; check the clock of this machine and of the one that issued it`,
    );
  }
  return { x509, fields, claims, now };
}

function hasUsages(x509: X509Certificate, oids: string[]): boolean {
  const eku = x509.keyUsage ?? [];
  return oids.every((o) => eku.includes(o));
}

function describeKind(claims: IdentityClaims | undefined): string {
  if (!claims) return 'a certificate without a Postern identity';
  return claims.kind === 'host' ? `a host certificate (${claims.role} ${claims.hostId})` : `a user certificate (${claims.username})`;
}

export type RouteRequirement = { service: string; protocol?: DbProtocol } | 'none';

/**
 * Checks a user certificate presented by a client: signed by one of `trusted` (User CA),
 * within its validity (± clockSkewMs), clientAuth with a Postern user identity whose user
 * is the CN, of `clusterName` when given, and for the database in `route` when given
 * ('none': a login certificate, no database route). Throws PkiError with a message the
 * person holding the certificate can act on.
 */
export function verifyUserCertificate(
  cert: string | Buffer,
  opts: VerifyOptions & { clusterName?: string; route?: RouteRequirement },
): UserIdentity {
  const v = verifyCommon(cert, opts, {
    untrusted:
      "the certificate was not issued by this cluster's User CA (it may come from another cluster or from before a CA rotation); run `postern login`",
    expired: (claims, when) => {
      if (claims?.kind === 'user' && claims.route) {
        return `your certificate for database ${claims.route.service} expired at ${when}; run \`postern db login ${claims.route.service}\` (after \`postern login\` if your login has expired too)`;
      }
      return `your certificate expired at ${when}; run \`postern login\``;
    },
  });
  const claims = v.claims;
  if (claims?.kind !== 'user' || v.x509.ca || !hasUsages(v.x509, [OID_CLIENT_AUTH])) {
    throw new PkiError('cert_wrong_usage', `this is ${describeKind(claims)}, not a Postern user certificate; run \`postern login\``);
  }
  checkSubject(v.fields, claims.username);
  checkCluster(claims, opts.clusterName);
  checkRoute(claims, opts.route);
  const identity: UserIdentity = {
    kind: 'user',
    clusterName: claims.cluster,
    username: claims.username,
    roles: claims.roles,
    traits: claims.traits,
    expires: v.fields.notAfter,
  };
  if (claims.route) identity.route = claims.route;
  return identity;
}

/**
 * Checks a component's certificate (Host CA): as for users, but the identity must be a
 * host whose id is the CN, and the certificate must allow both serverAuth and clientAuth,
 * since components use the same certificate on both ends of mutual TLS.
 */
export function verifyHostCertificate(
  cert: string | Buffer,
  opts: VerifyOptions & { clusterName?: string; role?: HostRole },
): HostIdentity {
  const v = verifyCommon(cert, opts, {
    untrusted:
      "the certificate was not issued by this cluster's Host CA (it may come from another cluster or from before a CA rotation); join the host again with a new join token",
    expired: (claims, when) => {
      const who = claims?.kind === 'host' ? `of ${claims.role} ${claims.hostId} ` : '';
      return `the host certificate ${who}expired at ${when}; restart it so it renews, or join it again with a new join token`;
    },
  });
  const claims = v.claims;
  if (claims?.kind !== 'host' || v.x509.ca || !hasUsages(v.x509, [OID_SERVER_AUTH, OID_CLIENT_AUTH])) {
    throw new PkiError('cert_wrong_usage', `this is ${describeKind(claims)}, not a Postern host certificate`);
  }
  checkSubject(v.fields, claims.hostId);
  checkCluster(claims, opts.clusterName);
  if (opts.role !== undefined && claims.role !== opts.role) {
    throw new PkiError('cert_wrong_usage', `this host certificate is for a ${claims.role}, not a ${opts.role}`);
  }
  return {
    kind: 'host',
    clusterName: claims.cluster,
    hostId: claims.hostId,
    hostname: claims.hostname,
    role: claims.role,
    expires: v.fields.notAfter,
  };
}

/** The CN and the identity must name the same principal, so one can never stand in for the other. */
function checkSubject(fields: CertFields, expected: string): void {
  if (fields.commonNames.length !== 1 || fields.commonNames[0] !== expected) {
    throw new PkiError('cert_wrong_usage', 'the certificate subject does not match its Postern identity');
  }
}

function checkCluster(claims: UserClaims | HostClaims, clusterName: string | undefined): void {
  if (clusterName !== undefined && claims.cluster !== clusterName) {
    throw new PkiError(
      'cert_untrusted',
      `the certificate was issued by cluster "${claims.cluster}", not by this cluster ("${clusterName}"); ${claims.kind === 'user' ? 'run `postern login` against this cluster' : 'join the host to this cluster'}`,
    );
  }
}

function checkRoute(claims: UserClaims, want: RouteRequirement | undefined): void {
  if (want === undefined) return;
  const have = claims.route;
  if (want === 'none') {
    if (have) {
      throw new PkiError(
        'cert_wrong_route',
        `this certificate is for database ${have.service} only; use the certificate from \`postern login\``,
      );
    }
    return;
  }
  if (!have) {
    throw new PkiError('cert_wrong_route', `this certificate is not for a database; run \`postern db login ${want.service}\``);
  }
  if (have.service !== want.service) {
    throw new PkiError(
      'cert_wrong_route',
      `this certificate is for database ${have.service}, not ${want.service}; run \`postern db login ${want.service}\``,
    );
  }
  if (want.protocol !== undefined && have.protocol !== want.protocol) {
    throw new PkiError(
      'cert_wrong_route',
      `this certificate is for database ${have.service} over ${have.protocol}, not ${want.protocol}; run \`postern db login ${want.service}\``,
    );
  }
}
