import { signingCa } from './authority';
import { PkiError } from './errors';
import { checkHostRole, checkRoute, encodeIdentityExtension } from './identity';
import type { HostClaims, UserClaims } from './identity';
import { issueLeaf } from './leaf';
import { checkName } from './names';
import type { CertAuthority, DatabaseRoute, HostRole } from './types';

export interface UserCertificateRequest {
  username: string;
  roles: string[];
  traits: Record<string, string[]>;
  /** Present for database certificates: which database, as which db user. */
  route?: DatabaseRoute;
}

/**
 * A user certificate (User CA): CN = user name, clientAuth only, identity in the Postern
 * extension. The route, when present, pins the certificate to one database.
 */
export function signUserCertificate(
  ca: CertAuthority,
  csrPem: string,
  id: UserCertificateRequest,
  ttlMs: number,
  now?: Date,
): string {
  const signer = signingCa(ca, 'user');
  const claims: UserClaims = {
    v: 1,
    kind: 'user',
    cluster: signer.clusterName,
    username: id.username,
    roles: id.roles,
    traits: id.traits,
  };
  if (id.route !== undefined) claims.route = checkRoute(id.route);
  return issueLeaf({
    ca: signer,
    csrPem,
    commonName: checkName(id.username, 'the user name'),
    serverAuth: false,
    clientAuth: true,
    identity: encodeIdentityExtension(claims),
    ttlMs,
    now,
  });
}

export interface HostCertificateRequest {
  hostId: string;
  hostname: string;
  role: HostRole;
  dnsNames?: string[];
  ips?: string[];
}

/** A host certificate (Host CA) for mutual TLS between components: serverAuth and clientAuth. */
export function signHostCertificate(
  ca: CertAuthority,
  csrPem: string,
  id: HostCertificateRequest,
  ttlMs: number,
  now?: Date,
): string {
  const signer = signingCa(ca, 'host');
  const claims: HostClaims = {
    v: 1,
    kind: 'host',
    cluster: signer.clusterName,
    hostId: checkName(id.hostId, 'the host id'),
    hostname: checkName(id.hostname, 'the host name'),
    role: checkHostRole(id.role),
  };
  return issueLeaf({
    ca: signer,
    csrPem,
    commonName: claims.hostId,
    serverAuth: true,
    clientAuth: true,
    altNames: [...(id.dnsNames ?? []), ...(id.ips ?? []), claims.hostname],
    identity: encodeIdentityExtension(claims),
    ttlMs,
    now,
  });
}

/**
 * What an agent presents to a database (DB Client CA). CN = db user, because PostgreSQL's
 * `cert` auth maps the CN to the role and MariaDB's `REQUIRE SUBJECT '/CN=user'` compares
 * the whole subject, so the subject must be that CN and nothing else.
 */
export function signDbClientCertificate(ca: CertAuthority, csrPem: string, dbUser: string, ttlMs: number, now?: Date): string {
  const signer = signingCa(ca, 'db_client');
  return issueLeaf({
    ca: signer,
    csrPem,
    commonName: checkName(dbUser, 'the database user', 64),
    serverAuth: false,
    clientAuth: true,
    ttlMs,
    now,
  });
}

/**
 * A database server's certificate (`postern admin db sign`), signed by the DB Client CA,
 * which agents trust as the databases' CA unless a database is configured with its own.
 */
export function signDbServerCertificate(ca: CertAuthority, csrPem: string, hosts: string[], ttlMs: number, now?: Date): string {
  const signer = signingCa(ca, 'db_client');
  if (!Array.isArray(hosts) || hosts.length === 0) {
    throw new PkiError('invalid_argument', 'a database server certificate needs at least one host name or IP address');
  }
  return issueLeaf({
    ca: signer,
    csrPem,
    commonName: checkName(hosts[0], 'the first host', 64),
    serverAuth: true,
    clientAuth: false,
    altNames: hosts,
    ttlMs,
    now,
  });
}
