import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { AuditEventDraft, SessionContext } from '@postern/engine';
import { SessionError } from '@postern/engine';
import { missingFormatCapabilities, upstreamCapabilities } from '../capabilities';
import { capabilityNames } from '../protocol/constants';
import { decodeStartup, StartupRecordError } from '../handoff';
import type { MysqlStartup } from '../handoff';
import { closeGracefully, DEFAULT_CLOSE_GRACE_MS } from '@postern/engine';
import { errorPacket } from '../io/send-error';
import { buildCommand } from '../protocol/commands';
import { ErrorCode } from '../protocol/error-codes';
import { ProtocolError } from '../protocol/errors';
import { framePacket } from '../protocol/packet-writer';
import type { HandshakeV10 } from '../protocol/packets/handshake-v10';
import type { SslRequest } from '../protocol/packets/ssl-request';
import { CommandAuditor } from './command-auditor';
import { connectDatabase } from './connect-database';
import { AUDIT_UNAVAILABLE_MESSAGE, replyForKind, SessionFailure } from './failure';
import { relay } from '@postern/engine';
import type { RelayOutcome } from '@postern/engine';
import { routeMismatch, sessionDatabase } from './route';
import { authenticate } from './server-auth';
import { ServerObserver } from './server-observer';
import { StatementRegistry } from './statements';

export interface SessionOptions {
  connectTimeoutMs: number;
  closeGraceMs: number;
  maxPacketLength?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
export const DEFAULT_SESSION_OPTIONS: SessionOptions = {
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  closeGraceMs: DEFAULT_CLOSE_GRACE_MS,
};

/** Thrown by our audit wrapper so the relay can tell "cannot audit" from a broken client. */
class AuditUnavailable extends Error {
  override name = 'AuditUnavailable';
}

/** Before decodeStartup has told us better: the client's auth result after SSLRequest + HandshakeResponse41. */
const DEFAULT_AUTH_RESULT_SEQUENCE = 3;

/**
 * One client session on the agent: check access, log in as the route says, relay while
 * auditing, finish. Every way out goes through `finish`, which closes both sides.
 */
export class MysqlSession {
  private server: TLSSocket | undefined;
  /** What the client is told last, if anything (an ERR packet). */
  private clientLastWords: Buffer | undefined;
  private serverLastWords: Buffer | undefined;
  private sequenceId = DEFAULT_AUTH_RESULT_SEQUENCE;
  private readonly startedAt = Date.now();

  constructor(
    private readonly client: Duplex,
    private readonly startupRecord: Record<string, string>,
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

  /** Resolves with server bytes that followed its OK, or undefined when refused. */
  private async open(): Promise<Buffer | undefined> {
    const { ctx } = this;
    const route = ctx.identity.route;

    let startup: MysqlStartup;
    try {
      startup = decodeStartup(this.startupRecord);
    } catch (err) {
      if (!(err instanceof StartupRecordError)) throw err;
      ctx.log.error({ err: describe(err) }, 'bad mysql startup record');
      return this.refuse(new SessionFailure(ErrorCode.Internal, 'Postern could not read your connection handshake; ask an administrator to look at the agent logs'));
    }
    this.sequenceId = startup.sequenceId;

    let decision;
    try {
      decision = await ctx.authorize();
    } catch (err) {
      ctx.log.error({ err: describe(err) }, 'access check failed');
      return this.refuse(new SessionFailure(ErrorCode.Internal, 'Postern could not check your access; try again, or ask an administrator to look at the agent logs'));
    }
    if (!decision.allowed) return this.refuse(new SessionFailure(ErrorCode.AccessDenied, decision.reason));

    const mismatch = routeMismatch(startup, route, ctx.database.name);
    if (mismatch) return this.refuse(new SessionFailure(ErrorCode.AccessDenied, mismatch));
    const database = sessionDatabase(startup.database, route);

    const deadline = Date.now() + this.opts.connectTimeoutMs;
    try {
      const creds = await ctx.dbCredentials();
      let capabilities = 0;
      const connection = await connectDatabase(ctx.database, creds, deadline, (greeting) => {
        capabilities = this.loginCapabilities(startup, greeting, database);
        return { capabilities, maxPacketSize: startup.maxPacket, characterSet: startup.charset, mariadbCapabilities: 0 } satisfies SslRequest;
      });
      this.server = connection.socket;
      this.server.on('error', ignore);
      const { ok, leftover } = await authenticate(
        this.server,
        {
          capabilities,
          maxPacketSize: startup.maxPacket,
          characterSet: startup.charset,
          mariadbCapabilities: 0,
          user: route.username,
          authResponse: Buffer.alloc(0),
          database,
          authPluginName: connection.greeting.authPluginName,
          attrs: startup.attrs,
        },
        { service: ctx.database.name, where: connection.where, deadline },
      );
      this.audit({ event: 'db.session.start', success: true });
      // The client awaits its authentication result; the server's OK (status flags,
      // session state) is it, renumbered to the client's sequence.
      this.client.write(framePacket(ok, this.sequenceId));
      return leftover;
    } catch (err) {
      // Logged in but refused afterwards (the audit log): leave the database politely.
      if (this.server && err instanceof AuditUnavailable) this.serverLastWords = framePacket(buildCommand.quit(), 0);
      return this.refuse(toFailure(err));
    }
  }

  /**
   * The client's flags as far as the database has them. A client that agreed on a format
   * flag with the proxy (CLIENT_DEPRECATE_EOF, CLIENT_SESSION_TRACK) that the database
   * lacks would misread its packets: refused, with what to change.
   */
  private loginCapabilities(startup: MysqlStartup, greeting: HandshakeV10, database: string): number {
    const missing = missingFormatCapabilities(startup.capabilities, greeting.capabilities);
    if (missing !== 0) {
      throw new SessionFailure(
        ErrorCode.NotSupported,
        `database ${this.ctx.database.name} (${greeting.serverVersion}) lacks ${capabilityNames(missing).join(', ')}, which the Postern proxy offered your client; ask an administrator to offer only what this database supports`,
      );
    }
    return upstreamCapabilities(startup.capabilities, greeting.capabilities, database);
  }

  private async relay(leftover: Buffer): Promise<void> {
    const server = this.server!;
    const statements = new StatementRegistry();
    const observer = new ServerObserver(statements);
    if (leftover.length > 0) {
      observer.push(leftover);
      this.client.write(leftover);
    }
    const auditor = new CommandAuditor((draft) => this.audit(draft), statements, { maxPacketLength: this.opts.maxPacketLength });
    const outcome = await relay({
      client: this.client,
      server,
      inspectClient: (chunk) => {
        const { forward, replies } = auditor.consume(chunk);
        if (replies.length > 0) {
          // Our answer may only go between two server packets, never inside one.
          if (!observer.atBoundary) throw new ProtocolError('a command Postern answers itself arrived while the database was still answering another');
          for (const reply of replies) this.client.write(reply);
        }
        return forward;
      },
      observeServer: (chunk) => observer.push(chunk),
    });

    this.logEnd(outcome);
    this.auditQuietly({ event: 'db.session.end' });

    if (outcome.by === 'inspector') {
      const failure = inspectorFailure(outcome.error);
      if (observer.atBoundary) this.clientLastWords = errorPacket({ ...failure.reply, message: failure.message }, auditor.replySequenceId);
      // The withheld command never reaches the database; say goodbye there if we can.
      if (auditor.atBoundary) this.serverLastWords = framePacket(buildCommand.quit(), 0);
    } else if (outcome.by === 'client' && auditor.atBoundary && !auditor.sawQuit) {
      // The client vanished between packets: leave properly, so the database does not log an aborted connection.
      this.serverLastWords = framePacket(buildCommand.quit(), 0);
    }
  }

  /** Closes both sides after what each still has to be told; never rejects. */
  async finish(): Promise<void> {
    const grace = this.opts.closeGraceMs;
    await Promise.all([
      closeGracefully(this.client, this.clientLastWords, grace),
      this.server ? closeGracefully(this.server, this.serverLastWords, grace) : undefined,
    ]);
  }

  /** The session does not start: audit why, and tell the client. */
  private refuse(failure: SessionFailure): undefined {
    this.auditQuietly({ event: 'db.session.start', success: false, error: failure.message });
    this.ctx.log.info({ code: failure.reply.code, sqlState: failure.reply.sqlState, reason: failure.message }, 'mysql session refused');
    this.clientLastWords = errorPacket({ ...failure.reply, message: failure.message }, this.sequenceId);
    return undefined;
  }

  /** Audits or throws AuditUnavailable: the caller must not go on unaudited. */
  private audit(draft: AuditEventDraft): void {
    try {
      this.ctx.audit(draft);
    } catch (err) {
      if (!(err instanceof SessionError && err.kind === 'audit_unavailable')) {
        this.ctx.log.error({ err: describe(err) }, 'audit failed');
      }
      throw new AuditUnavailable(AUDIT_UNAVAILABLE_MESSAGE);
    }
  }

  /** For events that must not stop what is already happening (a refusal, the end). */
  private auditQuietly(draft: AuditEventDraft): void {
    try {
      this.ctx.audit(draft);
    } catch (err) {
      this.ctx.log.error({ err: describe(err), event: draft.event }, 'audit event lost');
    }
  }

  private logEnd(outcome: RelayOutcome): void {
    const fields = { by: outcome.by, durationMs: Date.now() - this.startedAt, ...(outcome.error ? { err: describe(outcome.error) } : {}) };
    if (outcome.by === 'inspector') this.ctx.log.warn(fields, 'mysql session stopped');
    // Debug, not info: a line per connection was a synchronous write to stderr for every
    // session (about 2 % of the agent's CPU under pgbench -C), and the audit log already
    // records each session's end (db.session.end).
    else this.ctx.log.debug(fields, 'mysql session ended');
  }
}

function toFailure(err: unknown): SessionFailure {
  if (err instanceof SessionFailure) return err;
  if (err instanceof AuditUnavailable) return new SessionFailure(ErrorCode.AuditUnavailable, err.message);
  if (err instanceof SessionError) return new SessionFailure(replyForKind(err.kind), err.message);
  return new SessionFailure(ErrorCode.Internal, `Postern failed to connect the session: ${describe(err)}`);
}

function inspectorFailure(err: unknown): SessionFailure {
  if (err instanceof ProtocolError) return new SessionFailure(err.reply, `protocol violation: ${err.message}`);
  return toFailure(err);
}

/** Error descriptions for logs; ours never contain query text. */
function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function ignore(): void {}
