import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { AuditError, type AuditBatcher } from '@postern/audit';
import { SessionError, type AuditEventDraft, type DatabaseTarget, type Engine, type SessionContext } from '@postern/engine';
import type { Logger } from '@postern/log';
import { agentMetrics } from '@postern/metrics';
import { PkiError, VerifiedCertificates, verifyUserCertificate } from '@postern/pki';
import type { AccessChecker } from './access';
import type { DbCredentialCache } from './db-credentials';
import { SessionEvents } from './session-events';

export interface SessionDeps {
  clusterName: string;
  userCas: string[];
  audit: AuditBatcher;
  access: AccessChecker;
  credentials: DbCredentialCache;
  log: Logger;
  /** Writes a protocol error to a client the engine never got to see. */
  refuse(protocol: 'postgres' | 'mysql', stream: Duplex, message: string, startup?: Record<string, string>): void;
}

interface DialMeta {
  cert?: string;
  client_addr?: string;
  startup?: Record<string, string>;
}

export { MAX_AUDITED_QUERY, truncateQuery } from './session-events';

/** Certificates verified against one list of trusted User CAs (an agent's, fixed for its life). */
const verified = new WeakMap<string[], VerifiedCertificates>();
function verifiedFor(trusted: string[]): VerifiedCertificates {
  let v = verified.get(trusted);
  if (!v) verified.set(trusted, (v = new VerifiedCertificates()));
  return v;
}

/** One client connection carried here by the proxy: check the identity again, then the engine. */
export async function runSession(stream: Duplex, db: DatabaseTarget, engine: Engine, meta: DialMeta, deps: SessionDeps): Promise<void> {
  await servedSession(db, async () => {
    const opened = sessionContext(db, meta, deps, 'native');
    if ('refused' in opened) return void deps.refuse(db.protocol, stream, opened.refused, meta.startup);
    await engine.handleConnection(stream, meta.startup ?? {}, opened.ctx);
  });
}

/** Runs one client connection's whole life, counted in postern_agent_active_sessions. */
export async function servedSession(db: DatabaseTarget, serve: () => Promise<void>): Promise<void> {
  const labels = { database: db.name, protocol: db.protocol };
  agentMetrics.activeSessions.inc(labels);
  try {
    await serve();
  } finally {
    agentMetrics.activeSessions.dec(labels);
  }
}

/**
 * Verifies the certificate that came with a dial and builds the session's context (audit,
 * authorization, credentials); shared by the protocol engines and the browser console.
 */
export function sessionContext(
  db: DatabaseTarget,
  meta: DialMeta,
  deps: SessionDeps,
  accessThrough: 'native' | 'web',
): { ctx: SessionContext } | { refused: string } {
  const sessionId = randomUUID();
  let identity;
  try {
    if (!meta.cert) throw new PkiError('cert_malformed', 'no client certificate came with the connection');
    const cert = meta.cert;
    identity = verifiedFor(deps.userCas).get(`${deps.clusterName}\u0000${db.name}\u0000${db.protocol}\u0000${cert}`, () =>
      verifyUserCertificate(Buffer.from(cert, 'base64'), {
        trusted: deps.userCas,
        clusterName: deps.clusterName,
        route: { service: db.name, protocol: db.protocol },
      }),
    );
  } catch (err) {
    agentMetrics.refusedSessions.inc({ database: db.name, reason: 'certificate' });
    return { refused: err instanceof PkiError ? err.message : 'the client certificate could not be checked' };
  }
  const route = identity.route!;
  const events = new SessionEvents(
    {
      user: identity.username,
      sid: sessionId,
      db_service: db.name,
      db_protocol: db.protocol,
      db_uri: db.uri,
      db_name: route.database,
      db_user: route.username,
      access_through: accessThrough,
      ...(meta.client_addr ? { addr: meta.client_addr } : {}),
    },
    deps.clusterName,
  );
  const audit = (draft: AuditEventDraft) => {
    try {
      deps.audit.emit(events.build(draft));
    } catch (err) {
      if (err instanceof AuditError && (err.code === 'audit_backpressure' || err.code === 'audit_closed')) {
        throw new SessionError('audit_unavailable', 'the audit log is unavailable; Postern refuses to run sessions unaudited');
      }
      throw err;
    }
  };
  const ctx: SessionContext = {
    sessionId,
    identity: { ...identity, route },
    database: db,
    clientAddr: meta.client_addr ?? '',
    accessThrough,
    authorize: async () => {
      const decision = await deps.access.check({ ...identity, route }, db);
      if (decision.allowed) agentMetrics.sessions.inc({ database: db.name, protocol: db.protocol, access_through: accessThrough });
      else agentMetrics.refusedSessions.inc({ database: db.name, reason: 'roles' });
      return decision;
    },
    dbCredentials: () => deps.credentials.get(route.username),
    audit,
    log: deps.log.child({ sid: sessionId, db: db.name }),
  };
  return { ctx };
}
