import type { HostIdentity } from '@postern/pki';
import type { Role } from '@postern/rbac';
import type { RevokedHost } from './hosts/revoked-hosts';

export interface UserCaller {
  kind: 'user';
  userId: string;
  name: string;
  roleNames: string[];
  roles: Role[];
  traits: Record<string, string[]>;
  sessionId: string;
  sessionKind: string;
  expires: Date;
}

/** The data-dir identity that `postern admin` uses; it exists only in this process's memory. */
export interface AdminCaller {
  kind: 'admin';
  name: 'postern-admin';
  roleNames: string[];
  roles: Role[];
  expires: Date;
}

export interface HostCaller {
  kind: 'host';
  host: HostIdentity;
  /**
   * Set when an admin removed this host: its certificate is still genuine, so authentication
   * succeeds, and requireHost refuses it everywhere except where a revoked host may still
   * deliver (its spooled audit events).
   */
  revoked?: RevokedHost;
}

export type Caller = UserCaller | AdminCaller | HostCaller;
