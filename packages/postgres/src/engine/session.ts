import type { Duplex } from 'node:stream';
import type { DatabaseTarget, RelaySessionOptions, SessionContext, SessionErrorKind } from '@postern/engine';
import { auditOrThrow, describeError, relay, RelaySession } from '@postern/engine';
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

export interface SessionOptions extends RelaySessionOptions {
  maxMessageLength?: number;
  onBackendKey?: (key: BackendKey) => void | (() => void);
}

/**
 * One client session on the agent: check access, connect as the route says, relay while
 * auditing, finish (RelaySession). What the client is told last is our ErrorResponse or
 * the database's.
 */
export class PostgresSession extends RelaySession<SessionFailure, SessionOptions> {
  private forgetBackendKey: (() => void) | undefined;

  constructor(
    client: Duplex,
    private readonly startup: Record<string, string>,
    ctx: SessionContext,
    opts: SessionOptions,
  ) {
    super('postgres', client, ctx, opts);
  }

  /** Steps 1–4: resolves with the server bytes after its first ReadyForQuery, or undefined when refused. */
  protected async open(): Promise<Buffer | undefined> {
    const { ctx } = this;
    const route = ctx.identity.route;

    if (!(await this.authorized())) return undefined;

    const mismatch = routeMismatch(this.startup, route, ctx.database.name);
    if (mismatch) return this.refuse(new SessionFailure(SqlState.InvalidAuthorizationSpecification, mismatch));

    const deadline = Date.now() + this.opts.connectTimeoutMs;
    try {
      const creds = await ctx.dbCredentials();
      const server = this.attachServer(await connectDatabase(ctx.database, creds, deadline));
      const { leftover } = await completeServerStartup(server, this.client, upstreamParams(this.startup, route), {
        service: ctx.database.name,
        deadline,
        onBackendKey: (pid, key) => this.publishBackendKey(pid, key),
        onReady: () => auditOrThrow(this.ctx, { event: 'db.session.start', success: true }),
      });
      return leftover;
    } catch (err) {
      return this.refuse(this.toFailure(err));
    }
  }

  /** Steps 5–6. */
  protected async relay(leftover: Buffer): Promise<void> {
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

    this.ended(outcome);

    if (outcome.by === 'inspector') {
      const failure = this.inspectorFailure(outcome.error);
      // Our ErrorResponse may only go between two server messages, never inside one.
      if (tracker.atBoundary) this.clientLastWords = errorResponse(failure);
    } else if (outcome.by === 'client' && auditor.atBoundary && !auditor.sawTerminate) {
      // The client vanished between messages: say goodbye properly so the server does not log an unexpected EOF.
      this.serverLastWords = serialize.terminate();
    }
  }

  /** Closes both sides, then forgets the backend key; never rejects. */
  override async finish(): Promise<void> {
    await super.finish();
    try {
      this.forgetBackendKey?.();
    } catch (err) {
      this.ctx.log.warn({ err: describeError(err) }, 'onBackendKey cleanup failed');
    }
  }

  protected failure(kind: SessionErrorKind, message: string): SessionFailure {
    return new SessionFailure(sqlStateForKind(kind), message);
  }

  protected isFailure(err: unknown): err is SessionFailure {
    return err instanceof SessionFailure;
  }

  protected refusal(failure: SessionFailure): { lastWords: Buffer; logFields: Record<string, unknown> } {
    return { lastWords: failure.extra.databaseReply ?? errorResponse(failure), logFields: { sqlState: failure.sqlState } };
  }

  /** Why the relay stopped the session, as the client is told. */
  private inspectorFailure(err: unknown): SessionFailure {
    if (err instanceof ProtocolError) return new SessionFailure(SqlState.ProtocolViolation, `protocol violation: ${err.message}`);
    return this.toFailure(err);
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

function errorResponse(failure: SessionFailure): Buffer {
  return serialize.errorResponse({
    severity: 'FATAL',
    code: failure.sqlState,
    message: failure.message,
    ...(failure.extra.hint !== undefined ? { hint: failure.extra.hint } : {}),
  });
}
