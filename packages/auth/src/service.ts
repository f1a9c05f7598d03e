import type * as api from '@postern/api';
import { AuditBatcher } from '@postern/audit';
import { splitHostPort, type LoadedConfig } from '@postern/config';
import { createLogger } from '@postern/log';
import { loadOrCreateMasterKey } from '@postern/pki';
import { isActionAllowed } from '@postern/rbac';
import { openStore, type Store } from '@postern/store';
import path from 'node:path';
import { storeAuditSink } from './audit/record';
import { receiveAuditEvents } from './audit/receive-events';
import { searchAuditEvents } from './audit/search-events';
import { writeAdminIdentity } from './bootstrap/admin-identity';
import { ensureAuthorities } from './bootstrap/ensure-authorities';
import { ensureFirstAdmin } from './bootstrap/ensure-first-admin';
import type { Caller, UserCaller } from './caller';
import { issueDbCert } from './certs/issue-db-cert';
import { issueUserCert } from './certs/issue-user-cert';
import { signBotUser } from './certs/sign-bot-user';
import { signDbClient } from './certs/sign-db-client';
import { signDbServer } from './certs/sign-db-server';
import type { AuthContext } from './context';
import { listDatabases } from './databases/list-databases';
import { AuthError } from './errors';
import { createJoinToken } from './hosts/create-join-token';
import { accessLookup } from './hosts/access-lookup';
import { heartbeat } from './hosts/heartbeat';
import { issueLocalHostIdentity } from './hosts/local-host-identity';
import { join } from './hosts/join';
import { checkLocalCredentials, localLogin, type LocalCredentials } from './login/local-login';
import { LoginRateLimiter } from './login/rate-limiter';
import { applyRole, getRole, listRoles, removeRole } from './roles/manage-roles';
import { resolveRoles } from './roles/resolve-roles';
import { authenticate, authenticateWebSession, type AdminIdentity, type RequestFacts } from './sessions/authenticate';
import { checkCsrfToken, csrfTokenFor, startWebSession } from './sessions/web-session';
import { requireAction, requireHost, requireUser } from './sessions/authorize';
import { createUser } from './users/create-user';
import { listUsers, removeUser, setUserLocked } from './users/manage-users';
import { completeSignup, getSignup } from './users/signup';

export const VERSION = '0.1.0';

export interface OpenOptions {
  /** The URL the web server answers on (for `postern admin`). */
  internalUrl: string;
  /** The URL people use; sign-up links point here. */
  publicUrl: string;
  env?: Readonly<Record<string, string | undefined>>;
  now?: () => Date;
}

/**
 * The Auth Service: CAs, users, roles, sessions, join, audit. The web app's route handlers
 * validate input and call these methods; every method that acts for someone takes the
 * authenticated caller and checks its rights itself.
 */
export class AuthService {
  private constructor(
    readonly ctx: AuthContext,
    private readonly admin: AdminIdentity,
  ) {}

  static async open(loaded: LoadedConfig, opts: OpenOptions): Promise<AuthService> {
    const { config, dataDir } = loaded;
    const env = opts.env ?? process.env;
    const log = createLogger('auth');
    const masterKey = loadOrCreateMasterKey({ envValue: env.POSTERN_MASTER_KEY, keyFile: path.join(dataDir, 'master.key') });
    const store: Store = await openStore({ url: config.store.url || undefined, dataDir });
    try {
      const cas = await ensureAuthorities(store, masterKey, config.cluster_name);
      const audit = new AuditBatcher(storeAuditSink(store), {
        maxBatch: 5_000,
        onError: (err, pending) => log.error({ err, pending }, 'audit store write failed; retrying'),
      });
      const ctx: AuthContext = {
        store,
        config,
        clusterName: config.cluster_name,
        dataDir,
        masterKey,
        cas,
        audit,
        limiter: new LoginRateLimiter(),
        log,
        publicUrl: opts.publicUrl.replace(/\/$/, ''),
        now: opts.now ?? (() => new Date()),
      };
      const admin = writeAdminIdentity(dataDir, { url: opts.internalUrl, public_url: ctx.publicUrl, cluster_name: config.cluster_name });
      return new AuthService(ctx, admin);
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.ctx.audit.close();
    await this.ctx.store.close();
  }

  firstAdminLink() {
    return ensureFirstAdmin(this.ctx);
  }

  authenticate(authorization: string | null, req: RequestFacts): Promise<Caller> {
    return authenticate(this.ctx, this.admin, authorization, req);
  }

  /** The caller behind a browser's session cookie. */
  authenticateWebSession(token: string): Promise<UserCaller> {
    return authenticateWebSession(this.ctx, token);
  }

  csrfToken(caller: UserCaller): string {
    return csrfTokenFor(this.ctx, caller.sessionId);
  }

  /** Whether the caller's roles allow `verb` on `resource` (pages hide what the API would refuse). */
  allows(caller: Caller, resource: string, verb: string): boolean {
    return caller.kind !== 'host' && isActionAllowed(caller.roles, resource, verb);
  }

  checkCsrfToken(caller: UserCaller, presented: string | null): void {
    checkCsrfToken(this.ctx, caller.sessionId, presented);
  }

  ping(): api.PingResponse {
    const { config } = this.ctx;
    return {
      cluster_name: this.ctx.clusterName,
      version: VERSION,
      second_factor: config.auth.second_factor,
      connectors: config.auth.connectors.map((c) => ({ name: c.name, type: c.type, display: c.display ?? c.name })),
      ...(config.proxy.enabled
        ? {
            proxy_public_addr: config.proxy.public_addr,
            mysql_public_addr: `${splitHostPort(config.proxy.public_addr).host}:${splitHostPort(config.proxy.mysql_listen).port}`,
          }
        : {}),
    };
  }

  // --- people ---
  localLogin(req: api.LocalLoginRequest, addr: string) {
    return localLogin(this.ctx, req, addr);
  }
  /** Password (+ TOTP) in a browser: a web session, no certificate. */
  async webLocalLogin(req: LocalCredentials, addr: string) {
    const user = await checkLocalCredentials(this.ctx, req, addr);
    return { user, session: await startWebSession(this.ctx, user) };
  }
  getSignup(token: string) {
    return getSignup(this.ctx, token);
  }
  completeSignup(token: string, req: api.CompleteSignupRequest) {
    return completeSignup(this.ctx, token, req);
  }
  whoami(caller: Caller): api.WhoamiResponse {
    if (caller.kind === 'host') throw new AuthError('forbidden', 'hosts have no user identity');
    return {
      user: caller.name,
      roles: caller.roleNames,
      traits: caller.kind === 'user' ? caller.traits : {},
      expires: caller.expires.toISOString(),
      session_kind: caller.kind === 'user' ? caller.sessionKind : 'admin',
    };
  }
  async logout(caller: Caller): Promise<void> {
    const user = requireUser(caller);
    await this.ctx.store.prisma.webSession.update({ where: { id: user.sessionId }, data: { revokedAt: this.ctx.now() } });
  }
  issueUserCert(caller: Caller, req: { csr: string; ttl?: string }) {
    return issueUserCert(this.ctx, requireUser(caller), req);
  }
  issueDbCert(caller: Caller, req: api.DbCertRequest) {
    return issueDbCert(this.ctx, requireUser(caller), req);
  }
  /** Names of the databases a certificate's identity may reach (for the proxy's error messages). */
  async reachableDatabases(identity: { username: string; roles: string[]; traits: Record<string, string[]> }): Promise<string[]> {
    const roles = await resolveRoles(this.ctx, identity.roles);
    const caller = { kind: 'user' as const, userId: '', name: identity.username, roleNames: identity.roles, roles, traits: identity.traits, sessionId: '', sessionKind: 'cert', expires: new Date() };
    return (await listDatabases(this.ctx, caller)).map((d) => d.name);
  }
  listDatabases(caller: Caller) {
    if (caller.kind === 'host') throw new AuthError('forbidden', 'hosts cannot list databases');
    return listDatabases(this.ctx, caller);
  }

  // --- admin ---
  listUsers(caller: Caller) {
    requireAction(caller, 'user', 'list');
    return listUsers(this.ctx);
  }
  createUser(caller: Caller, req: api.AddUserRequest) {
    return createUser(this.ctx, req, requireAction(caller, 'user', 'create').name);
  }
  removeUser(caller: Caller, name: string) {
    return removeUser(this.ctx, name, requireAction(caller, 'user', 'delete').name);
  }
  setUserLocked(caller: Caller, name: string, locked: boolean) {
    return setUserLocked(this.ctx, name, locked, requireAction(caller, 'user', 'update').name);
  }
  signBotUser(caller: Caller, name: string, req: { csr: string; ttl?: string }) {
    return signBotUser(this.ctx, name, req, requireAction(caller, 'user', 'sign').name);
  }
  listRoles(caller: Caller) {
    requireAction(caller, 'role', 'list');
    return listRoles(this.ctx);
  }
  getRole(caller: Caller, name: string) {
    requireAction(caller, 'role', 'read');
    return getRole(this.ctx, name);
  }
  applyRole(caller: Caller, role: unknown) {
    return applyRole(this.ctx, role, requireAction(caller, 'role', 'update').name);
  }
  removeRole(caller: Caller, name: string) {
    return removeRole(this.ctx, name, requireAction(caller, 'role', 'delete').name);
  }
  createJoinToken(caller: Caller, req: { type: 'agent' | 'proxy'; ttl: string }) {
    return createJoinToken(this.ctx, req, requireAction(caller, 'token', 'create').name);
  }
  signDbServer(caller: Caller, req: { csr: string; hosts: string[]; ttl: string }) {
    return signDbServer(this.ctx, req, requireAction(caller, 'db_cert', 'create').name);
  }

  searchAuditEvents(caller: Caller, q: api.AuditSearchQuery) {
    requireAction(caller, 'audit', 'list');
    return searchAuditEvents(this.ctx, q);
  }

  // --- hosts ---
  join(req: api.JoinRequest, addr: string) {
    return join(this.ctx, req, addr);
  }
  heartbeat(caller: Caller, req: api.HeartbeatRequest) {
    return heartbeat(this.ctx, requireHost(caller, 'agent'), req);
  }
  signDbClient(caller: Caller, req: api.DbClientCertRequest) {
    return signDbClient(this.ctx, requireHost(caller, 'agent'), req);
  }
  accessLookup(caller: Caller, req: api.AccessLookupRequest) {
    return accessLookup(this.ctx, requireHost(caller), req);
  }
  /** For a proxy or agent running in this process. */
  localHostIdentity(role: 'proxy' | 'agent', names: { hostname: string; dnsNames: string[]; ips: string[] }) {
    return issueLocalHostIdentity(this.ctx, role, names);
  }
  receiveAuditEvents(caller: Caller, events: Record<string, unknown>[]) {
    return receiveAuditEvents(this.ctx, requireHost(caller), events);
  }
}
