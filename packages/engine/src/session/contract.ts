import type { Duplex } from 'node:stream';
import type { AuditEvent } from '@postern/audit';
import type { Logger } from '@postern/log';
import type { UserIdentity } from '@postern/pki';
import type { AccessDecision } from '@postern/rbac';

/**
 * What a protocol engine (the agent side of one database protocol) is given for one
 * client session. The agent builds it; the engine never reaches back into the agent.
 */

export interface DatabaseTarget {
  /** The name people use (the route's service). */
  name: string;
  protocol: 'postgres' | 'mysql';
  /** host:port of the database server. */
  uri: string;
  /** PEM CA bundle that signed the database server's certificate. */
  caPem: string;
  labels: Record<string, string>;
  /**
   * PostgreSQL: hand a finished session's database connection, reset, to the next
   * session with the same db user, database and startup settings (config
   * `reuse_connections`). Absent: every session opens its own.
   */
  reuseConnections?: { maxIdle: number; idleTimeoutMs: number; maxLifetimeMs: number };
}

export interface DbClientCredentials {
  certPem: string;
  keyPem: string;
}

/** Errors an engine reports to its client in the protocol's own format. */
export type SessionErrorKind =
  | 'access_denied' // roles, locks, certificate problems found by the agent
  | 'database_unreachable'
  | 'database_refused' // TLS or certificate authentication failed at the database
  | 'protocol_violation'
  | 'audit_unavailable' // the agent cannot guarantee auditing: refuse rather than run unaudited
  | 'internal';

export class SessionError extends Error {
  override name = 'SessionError';
  constructor(
    readonly kind: SessionErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** Field names and codes as in docs/audit-events.md; the engine fills the protocol's parts. */
export type AuditEventDraft =
  | { event: 'db.session.start'; success: boolean; error?: string }
  | { event: 'db.session.end' }
  | { event: 'db.session.query'; success?: boolean; error?: string; db_query: string; db_query_parameters?: string[] }
  | { event: string; [field: string]: unknown };

export interface SessionContext {
  /** Unique per client connection; becomes `sid` in audit events. */
  sessionId: string;
  /** The user's identity, already verified by the agent (chain, expiry, route service). */
  identity: UserIdentity & { route: NonNullable<UserIdentity['route']> };
  database: DatabaseTarget;
  /** How the client reached us: the proxy's view of its address. */
  clientAddr: string;
  /** 'native' for psql/mysql clients; 'web' for the browser console. */
  accessThrough: 'native' | 'web';
  /** Re-checks the identity against the user's current roles and locks (it can change mid-session). */
  authorize(): Promise<AccessDecision>;
  /** A DB Client CA certificate whose CN is the route's db user; cached by the agent. */
  dbCredentials(): Promise<DbClientCredentials>;
  /**
   * Queues an audit event; the agent adds uid, time, ei, cluster, user and db fields.
   * Throws SessionError('audit_unavailable') when the event cannot be kept.
   */
  audit(draft: AuditEventDraft): void;
  log: Logger;
}

/** The agent side of one protocol, as Teleport's Engine: check access, connect, relay. */
export interface Engine {
  readonly protocol: 'postgres' | 'mysql';
  /**
   * Serves one client connection that the proxy has carried to this agent. `stream` is
   * positioned right after the client's startup, whose parameters are in `startup`.
   * Resolves when the session is over; never rejects for a client's or database's
   * fault (it reports those to the client in the protocol's format).
   */
  handleConnection(stream: Duplex, startup: Record<string, string>, ctx: SessionContext): Promise<void>;
  /** Closes what the engine keeps between sessions (idle database connections), when the agent stops. */
  close?(): void;
}

export type { AuditEvent };
