import { randomBytes } from 'node:crypto';
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
import { poolKey } from './server-pool';
import type { ServerConnection, ServerPool } from './server-pool';

/** A database's real backend, for routing the client's CancelRequest to it. */
export interface BackendKey {
  sessionId: string;
  database: DatabaseTarget;
  /** The real backend's: what a CancelRequest to the database must carry. */
  pid: number;
  key: number;
  /**
   * What the client was told in BackendKeyData, and will send in its CancelRequest: the
   * real ones, except on a reused connection, where each session gets a secret key of its
   * own so that an earlier session's client cannot cancel a later session's queries.
   */
  client: { pid: number; key: number };
}

export interface SessionOptions extends RelaySessionOptions {
  maxMessageLength?: number;
  onBackendKey?: (key: BackendKey) => void | (() => void);
  /** The idle connections of the session's database, when it reuses them (`reuse_connections`). */
  pool?: ServerPool;
}

/**
 * One client session on the agent: check access, connect as the route says, relay while
 * auditing, finish (RelaySession). What the client is told last is our ErrorResponse or
 * the database's.
 */
export class PostgresSession extends RelaySession<SessionFailure, SessionOptions> {
  private forgetBackendKey: (() => void) | undefined;
  /** The database connection past its startup, for the pool. */
  private connection: ServerConnection | undefined;
  private poolKey = '';
  /** Set when the client left cleanly with the server idle: the connection goes back to the pool instead of closing. */
  private reusable = false;

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

    const params = upstreamParams(this.startup, route);
    const { pool } = this.opts;
    if (pool) {
      this.poolKey = poolKey(params);
      const reused = pool.take(this.poolKey);
      if (reused) return this.takeOver(reused);
    }

    const deadline = Date.now() + this.opts.connectTimeoutMs;
    try {
      const creds = await ctx.dbCredentials();
      const server = this.attachServer(await connectDatabase(ctx.database, creds, deadline));
      const openedAt = Date.now();
      let backend = { pid: 0, key: 0 };
      const { leftover, greeting } = await completeServerStartup(server, this.client, params, {
        service: ctx.database.name,
        deadline,
        onBackendKey: (pid, key) => {
          backend = { pid, key };
          return this.publishBackendKey(pid, key);
        },
        onReady: () => auditOrThrow(this.ctx, { event: 'db.session.start', success: true }),
      });
      if (pool) this.connection = { socket: server, greeting, ...backend, openedAt };
      return leftover;
    } catch (err) {
      return this.refuse(this.toFailure(err));
    }
  }

  /** A connection of an earlier session, reset: the client is greeted as the database greeted that session. */
  private takeOver(connection: ServerConnection): Buffer | undefined {
    this.attachServer(connection.socket);
    this.connection = connection;
    try {
      auditOrThrow(this.ctx, { event: 'db.session.start', success: true });
    } catch (err) {
      return this.refuse(this.toFailure(err));
    }
    // Always a key of this session's own: takeOver runs only with a pool.
    const backendKeyData = this.publishBackendKey(connection.pid, connection.key)!;
    this.client.write(Buffer.concat([connection.greeting, backendKeyData, serialize.readyForQuery('I')]));
    return Buffer.alloc(0);
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
    const pooled = this.connection !== undefined;
    /** The client's Terminate was kept from the server, which may then serve another session. */
    let terminateWithheld = false;
    const outcome = await relay({
      client: this.client,
      server,
      inspectClient: (chunk) => {
        // After a withheld Terminate nothing of the client's may reach the server.
        if (terminateWithheld) return [];
        auditor.consume(chunk);
        if (pooled && auditor.sawTerminate && endsWithTerminate(chunk)) {
          terminateWithheld = true;
          return chunk.length > TERMINATE.length ? [chunk.subarray(0, chunk.length - TERMINATE.length)] : [];
        }
        return [chunk];
      },
      observeServer: (chunk) => tracker.push(chunk),
      // Only a pooled session withholds the goodbye; the others pay nothing per chunk for it.
      ...(pooled ? { clientDone: () => terminateWithheld } : {}),
    });

    this.ended(outcome);
    // Every request answered, outside a transaction, nothing half-sent: the server waits
    // for a next request as a new connection would (DISCARD ALL makes it one).
    this.reusable =
      terminateWithheld &&
      outcome.by === 'client' &&
      auditor.settledAtTerminate &&
      auditor.atBoundary &&
      tracker.atBoundary &&
      tracker.readyCount === auditor.readyRequestCount &&
      tracker.lastStatus === 'I';
    // Not reused after all: the server still needs the goodbye the client meant for it.
    if (terminateWithheld && !this.reusable) this.serverLastWords = TERMINATE;

    if (outcome.by === 'inspector') {
      const failure = this.inspectorFailure(outcome.error);
      // Our ErrorResponse may only go between two server messages, never inside one.
      if (tracker.atBoundary) this.clientLastWords = errorResponse(failure);
    } else if (outcome.by === 'client' && auditor.atBoundary && !auditor.sawTerminate) {
      // The client vanished between messages: say goodbye properly so the server does not log an unexpected EOF.
      this.serverLastWords = serialize.terminate();
    }
  }

  /** Closes both sides (or gives the database connection back to the pool), then forgets the backend key; never rejects. */
  override async finish(): Promise<void> {
    if (this.reusable && this.connection && this.opts.pool) {
      // Not for this session to close any more; the pool resets it in the background.
      this.server = undefined;
      void this.opts.pool.giveBack(this.poolKey, this.connection);
    }
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

  /**
   * Tells the agent the backend's key, for routing cancel requests; returns the
   * BackendKeyData for the client when it differs from the server's (a pooled connection:
   * a secret key of this session's own), undefined when the server's goes through.
   */
  private publishBackendKey(pid: number, key: number): Buffer | undefined {
    const client = this.opts.pool ? { pid, key: randomBytes(4).readUInt32BE(0) } : { pid, key };
    if (this.opts.onBackendKey) {
      try {
        const forget = this.opts.onBackendKey({ sessionId: this.ctx.sessionId, database: this.ctx.database, pid, key, client });
        if (typeof forget === 'function') this.forgetBackendKey = forget;
      } catch (err) {
        this.ctx.log.warn({ err: describeError(err) }, 'onBackendKey failed; cancel requests for this session will not be routed');
      }
    }
    return this.opts.pool ? serialize.backendKeyData(client.pid, client.key) : undefined;
  }
}

const TERMINATE = serialize.terminate();

/** Whether the chunk's last bytes are a whole Terminate message (which the auditor just saw). */
function endsWithTerminate(chunk: Buffer): boolean {
  return chunk.length >= TERMINATE.length && chunk.subarray(chunk.length - TERMINATE.length).equals(TERMINATE);
}

function errorResponse(failure: SessionFailure): Buffer {
  return serialize.errorResponse({
    severity: 'FATAL',
    code: failure.sqlState,
    message: failure.message,
    ...(failure.extra.hint !== undefined ? { hint: failure.extra.hint } : {}),
  });
}
