import type * as api from '@postern/api';
import { databaseAddress } from '@postern/api';
import { AuditBatcher } from '@postern/audit';
import { splitHostPort, type LoadedConfig } from '@postern/config';
import { createLogger } from '@postern/log';
import { meteredAuditSink } from '@postern/metrics';
import { loadOrCreateMasterKey } from '@postern/pki';
import { isActionAllowed } from '@postern/rbac';
import { openStore, type Store } from '@postern/store';
import path from 'node:path';
import { storeAuditSink } from './audit/record';
import { receiveAuditEvents } from './audit/receive-events';
import { exportAuditEvents, getAuditEvent, searchAuditEvents } from './audit/search-events';
import { verifyAuditChain, type VerifyProgress } from './audit/verify-chain';
import { verifyAuditChainStream } from './audit/verify-stream';
import { writeAdminIdentity } from './bootstrap/admin-identity';
import { ensureAuthorities } from './bootstrap/ensure-authorities';
import { ensureFirstAdmin } from './bootstrap/ensure-first-admin';
import type { Caller, UserCaller } from './caller';
import { ThrowawayKeys } from './console/throwaway-keys';
import { createConsoleTicket, redeemConsoleTicket, type RedeemedTicket } from './console/tickets';
import { issueDbCert } from './certs/issue-db-cert';
import { getConnectorInfo, listConnectors, putConnector, removeConnector } from './connectors/manage-connectors';
import { issueUserCert } from './certs/issue-user-cert';
import { signBotUser } from './certs/sign-bot-user';
import { signDbClient } from './certs/sign-db-client';
import { signDbServer } from './certs/sign-db-server';
import type { AuthContext } from './context';
import { listDatabases } from './databases/list-databases';
import { databaseBundle } from './databases/database-bundle';
import { AuthError } from './errors';
import { createJoinToken } from './hosts/create-join-token';
import { accessLookup } from './hosts/access-lookup';
import { heartbeat } from './hosts/heartbeat';
import { issueLocalHostIdentity } from './hosts/local-host-identity';
import { join } from './hosts/join';
import { listAgents } from './hosts/list-agents';
import { listJoinTokens } from './hosts/list-join-tokens';
import { removeAgent } from './hosts/remove-agent';
import { REVOKED_HOSTS_REFRESH_MS, RevokedHosts } from './hosts/revoked-hosts';
import { checkLocalCredentials, localLogin, type LocalCredentials } from './login/local-login';
import { LoginRateLimiter } from './login/rate-limiter';
import { RequestLimits } from './limits/request-limits';
import { applyRole, applyRoleYaml, getRole, listRoles, removeRole } from './roles/manage-roles';
import { resolveRoles } from './roles/resolve-roles';
import { authenticate, authenticateWebSession, type AdminIdentity, type RequestFacts } from './sessions/authenticate';
import { checkCsrfToken, csrfTokenFor, startWebSession } from './sessions/web-session';
import { connectorSummaries, refreshConnectorSummaries, requireConnector } from './sso/connectors';
import { beginCliSso, beginWebSso, exchangeCliCode, finishSso, type SsoAnswer } from './sso/flow';
import { readRefusal } from './sso/requests';
import { samlSpMetadata } from './sso/saml';
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

  /** Keys for the browser console's certificates; the tickets themselves are in the store (console/tickets.ts). */
  private readonly consoleKeys = new ThrowawayKeys();
  /** Sign-in starts and bundles, counted per address and per user (limits/request-limits.ts). */
  private readonly limits = new RequestLimits();

  static async open(loaded: LoadedConfig, opts: OpenOptions): Promise<AuthService> {
    const { config, dataDir } = loaded;
    const env = opts.env ?? process.env;
    const log = createLogger('auth');
    const masterKey = loadOrCreateMasterKey({ envValue: env.POSTERN_MASTER_KEY, keyFile: path.join(dataDir, 'master.key') });
    const store: Store = await openStore({ url: config.store.url || undefined, dataDir });
    try {
      const cas = await ensureAuthorities(store, masterKey, config.cluster_name);
      const audit = new AuditBatcher(meteredAuditSink(storeAuditSink(store)), {
        maxBatch: 5_000,
        onError: (err, pending) => log.error({ err, pending }, 'audit store write failed; retrying'),
      });
      const now = opts.now ?? (() => new Date());
      const ctx: AuthContext = {
        store,
        config,
        clusterName: config.cluster_name,
        dataDir,
        masterKey,
        cas,
        audit,
        limiter: new LoginRateLimiter(),
        revokedHosts: new RevokedHosts(store, REVOKED_HOSTS_REFRESH_MS, () => now().getTime()),
        log,
        publicUrl: opts.publicUrl.replace(/\/$/, ''),
        now,
      };
      await refreshConnectorSummaries(ctx);
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

  /** What anyone may know before signing in; the connectors are postern.yaml's and the stored ones. */
  ping(): api.PingResponse {
    const { config } = this.ctx;
    return {
      cluster_name: this.ctx.clusterName,
      version: VERSION,
      second_factor: config.auth.second_factor,
      connectors: connectorSummaries(this.ctx),
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
  // --- SSO (OIDC, SAML): the browser's and the CLI's sign-in, see sso/flow.ts ---
  /** `addr`: the client's address, for the limit on sign-ins started (counted before the connector is looked up). */
  ssoBeginWeb(name: string, nextPath: string, addr: string) {
    this.limits.ssoStart(addr);
    return beginWebSso(this.ctx, name, nextPath);
  }
  ssoBeginCli(name: string, req: api.SsoCliStartRequest, addr: string) {
    this.limits.ssoStart(addr);
    return beginCliSso(this.ctx, name, req);
  }
  ssoFinish(name: string, answer: SsoAnswer) {
    return finishSso(this.ctx, name, answer);
  }
  ssoCliExchange(req: api.SsoCliExchangeRequest) {
    return exchangeCliCode(this.ctx, req);
  }
  ssoRefusal(id: string) {
    return readRefusal(this.ctx, id);
  }
  async ssoSamlMetadata(name: string): Promise<string> {
    const c = await requireConnector(this.ctx, name);
    if (c.type !== 'saml') throw new AuthError('not_found', `connector ${name} is not a SAML connector`);
    return samlSpMetadata(this.ctx, c);
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
  /** A one-time ticket for the browser console's WebSocket (see console/tickets.ts). */
  createConsoleTicket(caller: Caller, req: api.ConsoleTicketRequest) {
    return createConsoleTicket(this.ctx, this.consoleKeys, requireUser(caller), req);
  }
  /** For a proxy: a console WebSocket's ticket and Cookie header → the dial's certificate; the ticket may come from any replica. */
  redeemConsoleTicket(ticket: string, cookieHeader: string | undefined): Promise<RedeemedTicket> {
    return redeemConsoleTicket(this.ctx, ticket, cookieHeader);
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
  /** The web UI's download: a key made for it, its certificate, the proxy's CA and client files, zipped. */
  async databaseBundle(caller: Caller, name: string, req: api.DatabaseBundleRequest) {
    const user = requireUser(caller);
    this.limits.bundle(user.name);
    return databaseBundle(this.ctx, user, name, req, await this.ping());
  }
  /** Where database clients reach the proxy for `protocol` (as the bundle's files say). */
  async databaseAddress(protocol: 'postgres' | 'mysql'): Promise<api.HostPort> {
    return databaseAddress(protocol, await this.ping(), this.ctx.publicUrl);
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
  applyRoleYaml(caller: Caller, yaml: string) {
    return applyRoleYaml(this.ctx, yaml, requireAction(caller, 'role', 'update').name);
  }
  removeRole(caller: Caller, name: string) {
    return removeRole(this.ctx, name, requireAction(caller, 'role', 'delete').name);
  }
  listConnectors(caller: Caller) {
    requireAction(caller, 'connector', 'list');
    return listConnectors(this.ctx);
  }
  getConnector(caller: Caller, name: string) {
    requireAction(caller, 'connector', 'read');
    return getConnectorInfo(this.ctx, name);
  }
  putConnector(caller: Caller, name: string, req: api.PutConnectorRequest) {
    return putConnector(this.ctx, name, req, (exists) => requireAction(caller, 'connector', exists ? 'update' : 'create').name);
  }
  removeConnector(caller: Caller, name: string) {
    return removeConnector(this.ctx, name, requireAction(caller, 'connector', 'delete').name);
  }
  createJoinToken(caller: Caller, req: { type: 'agent' | 'proxy'; ttl: string }) {
    return createJoinToken(this.ctx, req, requireAction(caller, 'token', 'create').name);
  }
  listJoinTokens(caller: Caller) {
    requireAction(caller, 'token', 'list');
    return listJoinTokens(this.ctx);
  }
  listAgents(caller: Caller) {
    requireAction(caller, 'agent', 'list');
    return listAgents(this.ctx);
  }
  /** Forgets an agent and its databases and revokes its host id; an online one only with force (see hosts/remove-agent.ts). */
  removeAgent(caller: Caller, id: string, opts: { force?: boolean } = {}) {
    return removeAgent(this.ctx, id, requireAction(caller, 'agent', 'delete').name, opts);
  }
  signDbServer(caller: Caller, req: { csr: string; hosts: string[]; ttl: string }) {
    return signDbServer(this.ctx, req, requireAction(caller, 'db_cert', 'create').name);
  }

  searchAuditEvents(caller: Caller, q: api.AuditSearchQuery) {
    requireAction(caller, 'audit', 'list');
    return searchAuditEvents(this.ctx, q);
  }
  getAuditEvent(caller: Caller, uid: string) {
    requireAction(caller, 'audit', 'list');
    return getAuditEvent(this.ctx, uid);
  }
  /** Checks the caller now, before the first page is read; then yields page after page. */
  exportAuditEvents(caller: Caller, q: api.AuditExportQuery) {
    requireAction(caller, 'audit', 'list');
    return exportAuditEvents(this.ctx, q);
  }
  /** Checks the audit chain (docs/audit-chain.md); `verify` on `audit`, which only admin has by default. */
  verifyAuditChain(caller: Caller, q: api.AuditVerifyQuery = {}, onProgress?: (p: VerifyProgress) => void) {
    requireAction(caller, 'audit', 'verify');
    return verifyAuditChain(this.ctx, { ...q, ...(onProgress ? { onProgress } : {}) });
  }
  /** The same check answered as JSON lines of progress, then the result (audit/verify-stream.ts); refused before the stream starts. */
  verifyAuditChainStream(caller: Caller, q: api.AuditVerifyQuery = {}) {
    requireAction(caller, 'audit', 'verify');
    return verifyAuditChainStream(this.ctx, q);
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
  /** For the proxy in this process: the host ids of removed agents, whose tunnels it refuses and closes. */
  revokedHostIds(): Promise<string[]> {
    return this.ctx.revokedHosts.ids();
  }
  /** For a proxy or agent running in this process: the same host id on every start of this data dir, a new certificate. */
  localHostIdentity(role: 'proxy' | 'agent', names: { hostname: string; dnsNames: string[]; ips: string[] }) {
    return issueLocalHostIdentity(this.ctx, role, names);
  }
  receiveAuditEvents(caller: Caller, events: Record<string, unknown>[]) {
    // A removed host may still deliver the events it spooled before its removal (sessions it
    // carried up to the moment its tunnels were cut): losing audit is worse than storing what
    // a revoked host sends, and each batch it sends is logged so that it can be looked at.
    const host = requireHost(caller, undefined, { allowRevoked: true });
    if (host.revoked) this.ctx.log.warn({ host_id: host.host.hostId, events: events.length }, 'audit events from a removed (revoked) host accepted');
    return receiveAuditEvents(this.ctx, host, events);
  }
}
