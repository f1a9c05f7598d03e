import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { SessionContext } from '@postern/engine';
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
import { missingFormatCapabilities, upstreamCapabilities } from '../capabilities';
import { capabilityNames } from '../protocol/constants';
import { decodeStartup, StartupRecordError } from '../handoff';
import type { MysqlStartup } from '../handoff';
import { errorPacket } from '../io/send-error';
import { buildCommand } from '../protocol/commands';
import { ErrorCode } from '../protocol/error-codes';
import { ProtocolError } from '../protocol/errors';
import { framePacket } from '../protocol/packet-writer';
import type { HandshakeV10 } from '../protocol/packets/handshake-v10';
import type { SslRequest } from '../protocol/packets/ssl-request';
import { CommandAuditor } from './command-auditor';
import { connectDatabase } from './connect-database';
import { replyForKind, SessionFailure } from './failure';
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
      ctx.log.error({ err: describeError(err) }, 'bad mysql startup record');
      return this.refuse(new SessionFailure(ErrorCode.Internal, 'Postern could not read your connection handshake; ask an administrator to look at the agent logs'));
    }
    this.sequenceId = startup.sequenceId;

    let decision;
    try {
      decision = await ctx.authorize();
    } catch (err) {
      ctx.log.error({ err: describeError(err) }, 'access check failed');
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
      auditOrThrow(this.ctx, { event: 'db.session.start', success: true });
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
    const auditor = new CommandAuditor((draft) => auditOrThrow(this.ctx, draft), statements, { maxPacketLength: this.opts.maxPacketLength });
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

    logSessionEnd(this.ctx.log, 'mysql', outcome, this.startedAt);
    auditQuietly(this.ctx, { event: 'db.session.end' });

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
    auditQuietly(this.ctx, { event: 'db.session.start', success: false, error: failure.message });
    this.ctx.log.info({ code: failure.reply.code, sqlState: failure.reply.sqlState, reason: failure.message }, 'mysql session refused');
    this.clientLastWords = errorPacket({ ...failure.reply, message: failure.message }, this.sequenceId);
    return undefined;
  }
}

function toFailure(err: unknown): SessionFailure {
  if (err instanceof SessionFailure) return err;
  if (err instanceof AuditUnavailable) return new SessionFailure(ErrorCode.AuditUnavailable, err.message);
  if (err instanceof SessionError) return new SessionFailure(replyForKind(err.kind), err.message);
  return new SessionFailure(ErrorCode.Internal, `Postern failed to connect the session: ${describeError(err)}`);
}

function inspectorFailure(err: unknown): SessionFailure {
  if (err instanceof ProtocolError) return new SessionFailure(err.reply, `protocol violation: ${err.message}`);
  return toFailure(err);
}

function ignore(): void {}
