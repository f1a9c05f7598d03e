import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { DatabaseTarget, SessionContext } from '@postern/engine';
import {
  auditOrThrow,
  auditQuietly,
  AuditUnavailable,
  closeGracefully,
  DEFAULT_CLOSE_GRACE_MS,
  describeError,
  logSessionEnd,
  relay,
  SessionError,
} from '@postern/engine';
import { MessageBoundaryTracker } from '../protocol/boundary';
import { ProtocolError } from '../protocol/errors';
import { serialize } from '../protocol/serializer';
import { SqlState } from '../protocol/sqlstate';
import { connectDatabase } from './connect-database';
import { SessionFailure, sqlStateForKind } from './failure';
import { QueryAuditor } from './query-auditor';
import { routeMismatch, upstreamParams } from './route';
import { completeServerStartup } from './server-startup';

/** A database's real backend, for routing the client's CancelRequest to it. */
export interface BackendKey {
  sessionId: string;
  database: DatabaseTarget;
  pid: number;
  key: number;
}

export interface SessionOptions {
  connectTimeoutMs: number;
  closeGraceMs: number;
  maxMessageLength?: number;
  onBackendKey?: (key: BackendKey) => void | (() => void);
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
export const DEFAULT_SESSION_OPTIONS: SessionOptions = {
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  closeGraceMs: DEFAULT_CLOSE_GRACE_MS,
};

/**
 * One client session on the agent: check access, connect as the route says, relay while
 * auditing, finish. Every way out goes through `finish`, which closes both sides.
 */
export class PostgresSession {
  private server: TLSSocket | undefined;
  /** What the client is told last, if anything (our ErrorResponse or the database's). */
  private clientLastWords: Buffer | undefined;
  private serverLastWords: Buffer | undefined;
  private forgetBackendKey: (() => void) | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly client: Duplex,
    private readonly startup: Record<string, string>,
    private readonly ctx: SessionContext,
    private readonly opts: SessionOptions,
  ) {
    // Errors surface as 'close' to the relay; without a listener one would kill the agent.
    client.on('error', ignore);
  }

  async run(): Promise<void> {
    const leftover = await this.open();
    if (leftover === undefined) return;
    await this.relay(leftover);
  }

  /** Steps 1–4: resolves with the server bytes after its first ReadyForQuery, or undefined when refused. */
  private async open(): Promise<Buffer | undefined> {
    const { ctx } = this;
    const route = ctx.identity.route;

    let decision;
    try {
      decision = await ctx.authorize();
    } catch (err) {
      ctx.log.error({ err: describeError(err) }, 'access check failed');
      return this.refuse(new SessionFailure(SqlState.InternalError, 'Postern could not check your access; try again, or ask an administrator to look at the agent logs'));
    }
    if (!decision.allowed) return this.refuse(new SessionFailure(SqlState.InvalidAuthorizationSpecification, decision.reason));

    const mismatch = routeMismatch(this.startup, route, ctx.database.name);
    if (mismatch) return this.refuse(new SessionFailure(SqlState.InvalidAuthorizationSpecification, mismatch));

    const deadline = Date.now() + this.opts.connectTimeoutMs;
    try {
      const creds = await ctx.dbCredentials();
      this.server = await connectDatabase(ctx.database, creds, deadline);
      this.server.on('error', ignore);
      const { leftover } = await completeServerStartup(this.server, this.client, upstreamParams(this.startup, route), {
        service: ctx.database.name,
        deadline,
        onBackendKey: (pid, key) => this.publishBackendKey(pid, key),
        onReady: () => auditOrThrow(this.ctx, { event: 'db.session.start', success: true }),
      });
      return leftover;
    } catch (err) {
      return this.refuse(toFailure(err));
    }
  }

  /** Steps 5–6. */
  private async relay(leftover: Buffer): Promise<void> {
    const server = this.server!;
    const tracker = new MessageBoundaryTracker();
    if (leftover.length > 0) {
      tracker.push(leftover);
      this.client.write(leftover);
    }
    const auditor = new QueryAuditor((draft) => auditOrThrow(this.ctx, draft), { maxMessageLength: this.opts.maxMessageLength });
    const outcome = await relay({
      client: this.client,
      server,
      inspectClient: (chunk) => {
        auditor.consume(chunk);
        return [chunk];
      },
      observeServer: (chunk) => tracker.push(chunk),
    });

    logSessionEnd(this.ctx.log, 'postgres', outcome, this.startedAt);
    auditQuietly(this.ctx, { event: 'db.session.end' });

    if (outcome.by === 'inspector') {
      const failure = inspectorFailure(outcome.error);
      // Our ErrorResponse may only go between two server messages, never inside one.
      if (tracker.atBoundary) this.clientLastWords = errorResponse(failure);
    } else if (outcome.by === 'client' && auditor.atBoundary && !auditor.sawTerminate) {
      // The client vanished between messages: say goodbye properly so the server does not log an unexpected EOF.
      this.serverLastWords = serialize.terminate();
    }
  }

  /** Closes both sides after what each still has to be told; never rejects. */
  async finish(): Promise<void> {
    const grace = this.opts.closeGraceMs;
    await Promise.all([
      closeGracefully(this.client, this.clientLastWords, grace),
      this.server ? closeGracefully(this.server, this.serverLastWords, grace) : undefined,
    ]);
    try {
      this.forgetBackendKey?.();
    } catch (err) {
      this.ctx.log.warn({ err: describeError(err) }, 'onBackendKey cleanup failed');
    }
  }

  /** The session does not start: audit why, and tell the client. */
  private refuse(failure: SessionFailure): undefined {
    auditQuietly(this.ctx, { event: 'db.session.start', success: false, error: failure.message });
    this.ctx.log.info({ sqlState: failure.sqlState, reason: failure.message }, 'postgres session refused');
    this.clientLastWords = failure.extra.databaseReply ?? errorResponse(failure);
    return undefined;
  }

  private publishBackendKey(pid: number, key: number): void {
    if (!this.opts.onBackendKey) return;
    try {
      const forget = this.opts.onBackendKey({ sessionId: this.ctx.sessionId, database: this.ctx.database, pid, key });
      if (typeof forget === 'function') this.forgetBackendKey = forget;
    } catch (err) {
      this.ctx.log.warn({ err: describeError(err) }, 'onBackendKey failed; cancel requests for this session will not be routed');
    }
  }
}

function toFailure(err: unknown): SessionFailure {
  if (err instanceof SessionFailure) return err;
  if (err instanceof AuditUnavailable) return new SessionFailure(SqlState.AuditUnavailable, err.message);
  if (err instanceof SessionError) return new SessionFailure(sqlStateForKind(err.kind), err.message);
  return new SessionFailure(SqlState.InternalError, `Postern failed to connect the session: ${describeError(err)}`);
}

function inspectorFailure(err: unknown): SessionFailure {
  if (err instanceof ProtocolError) return new SessionFailure(SqlState.ProtocolViolation, `protocol violation: ${err.message}`);
  return toFailure(err);
}

function errorResponse(failure: SessionFailure): Buffer {
  return serialize.errorResponse({
    severity: 'FATAL',
    code: failure.sqlState,
    message: failure.message,
    ...(failure.extra.hint !== undefined ? { hint: failure.extra.hint } : {}),
  });
}

function ignore(): void {}
