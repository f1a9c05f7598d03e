import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { AuditError, makeEvent, type AuditBatcher } from '@postern/audit';
import { SessionError, type AuditEventDraft, type DatabaseTarget, type Engine, type SessionContext } from '@postern/engine';
import type { Logger } from '@postern/log';
import { PkiError, verifyUserCertificate } from '@postern/pki';
import type { AccessChecker } from './access';
import type { DbCredentialCache } from './db-credentials';

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

/**
 * The audit log keeps the first 64 KiB of a statement: enough to read any query a person
 * writes, while a 20 MiB INSERT of a blob cannot make an event too large to deliver.
 */
export const MAX_AUDITED_QUERY = 64 * 1024;

export function truncateQuery(sql: string): string {
  if (sql.length <= MAX_AUDITED_QUERY) return sql;
  return `${sql.slice(0, MAX_AUDITED_QUERY)}… [truncated: ${Buffer.byteLength(sql)} bytes in all]`;
}

/** One client connection carried here by the proxy: check the identity again, then the engine. */
export async function runSession(stream: Duplex, db: DatabaseTarget, engine: Engine, meta: DialMeta, deps: SessionDeps): Promise<void> {
  const sessionId = randomUUID();
  let identity;
  try {
    if (!meta.cert) throw new PkiError('cert_malformed', 'no client certificate came with the connection');
    identity = verifyUserCertificate(Buffer.from(meta.cert, 'base64'), {
      trusted: deps.userCas,
      clusterName: deps.clusterName,
      route: { service: db.name, protocol: db.protocol },
    });
  } catch (err) {
    deps.refuse(db.protocol, stream, err instanceof PkiError ? err.message : 'the client certificate could not be checked', meta.startup);
    return;
  }
  const route = identity.route!;
  let ei = 0;
  const audit = (draft: AuditEventDraft) => {
    const common = {
      user: identity.username,
      sid: sessionId,
      db_service: db.name,
      db_protocol: db.protocol,
      db_uri: db.uri,
      db_name: route.database,
      db_user: route.username,
      access_through: 'native' as const,
      ei: ei++,
      ...(draft.event === 'db.session.start' && meta.client_addr ? { addr: meta.client_addr } : {}),
    };
    const { event, ...fields } = draft;
    if (typeof (fields as { db_query?: unknown }).db_query === 'string') {
      (fields as { db_query: string }).db_query = truncateQuery((fields as { db_query: string }).db_query);
    }
    try {
      deps.audit.emit(makeEvent(event as 'db.session.query', { ...common, ...(fields as object) } as never, deps.clusterName));
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
    accessThrough: 'native',
    authorize: () => deps.access.check({ ...identity, route }, db),
    dbCredentials: () => deps.credentials.get(route.username),
    audit,
    log: deps.log.child({ sid: sessionId, db: db.name }),
  };
  await engine.handleConnection(stream, meta.startup ?? {}, ctx);
}
