export type CaType = 'user' | 'host' | 'db_client';
export const CA_TYPES: readonly CaType[] = ['user', 'host', 'db_client'];

export type DbProtocol = 'postgres' | 'mysql';
export const DB_PROTOCOLS: readonly DbProtocol[] = ['postgres', 'mysql'];

export type HostRole = 'agent' | 'proxy' | 'web';
export const HOST_ROLES: readonly HostRole[] = ['agent', 'proxy', 'web'];

export interface KeyPair {
  /** PKCS#8 PEM */
  privateKeyPem: string;
  /** SPKI PEM */
  publicKeyPem: string;
}

export interface CertAuthority {
  type: CaType;
  clusterName: string;
  certPem: string;
  privateKeyPem: string;
}

export interface DatabaseRoute {
  service: string;
  protocol: DbProtocol;
  username: string;
  database: string;
}

export interface UserIdentity {
  kind: 'user';
  clusterName: string;
  username: string;
  roles: string[];
  traits: Record<string, string[]>;
  expires: Date;
  route?: DatabaseRoute;
}

export interface HostIdentity {
  kind: 'host';
  clusterName: string;
  hostId: string;
  hostname: string;
  role: HostRole;
  expires: Date;
}

export interface VerifyOptions {
  /** CA certificate PEMs; more than one while a CA is being rotated. */
  trusted: string[];
  now?: Date;
  /** Default 60_000. */
  clockSkewMs?: number;
}
