import type { AuditBatcher } from '@postern/audit';
import type { PosternConfig } from '@postern/config';
import type { Logger } from '@postern/log';
import type { CertAuthority } from '@postern/pki';
import type { Store } from '@postern/store';
import type { RevokedHosts } from './hosts/revoked-hosts';
import type { LoginRateLimiter } from './login/rate-limiter';

export interface Authorities {
  user: CertAuthority;
  host: CertAuthority;
  db_client: CertAuthority;
}

/** What every use case of the Auth Service works with; built once by AuthService.open. */
export interface AuthContext {
  store: Store;
  config: PosternConfig;
  clusterName: string;
  dataDir: string;
  masterKey: Buffer;
  cas: Authorities;
  audit: AuditBatcher;
  limiter: LoginRateLimiter;
  /** Host ids of removed agents, whose certificates are refused (hosts/revoked-hosts.ts). */
  revokedHosts: RevokedHosts;
  log: Logger;
  /** Where people reach the web UI: sign-up links point here. */
  publicUrl: string;
  now(): Date;
}

export function caBundleOf(ctx: AuthContext): { user: string[]; host: string[]; db_client: string[] } {
  return { user: [ctx.cas.user.certPem], host: [ctx.cas.host.certPem], db_client: [ctx.cas.db_client.certPem] };
}
