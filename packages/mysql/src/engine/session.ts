import type { Duplex } from 'node:stream';
import type { RelaySessionOptions, SessionContext, SessionErrorKind } from '@postern/engine';
import { auditOrThrow, AuditUnavailable, describeError, relay, RelaySession } from '@postern/engine';
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

export interface SessionOptions extends RelaySessionOptions {
  maxPacketLength?: number;
}

/** Before decodeStartup has told us better: the client's auth result after SSLRequest + HandshakeResponse41. */
const DEFAULT_AUTH_RESULT_SEQUENCE = 3;

/**
 * One client session on the agent: check access, log in as the route says, relay while
 * auditing, finish (RelaySession). What the client is told last is an ERR packet.
 */
export class MysqlSession extends RelaySession<SessionFailure, SessionOptions> {
  private sequenceId = DEFAULT_AUTH_RESULT_SEQUENCE;

  constructor(
    client: Duplex,
    private readonly startupRecord: Record<string, string>,
    ctx: SessionContext,
    opts: SessionOptions,
  ) {
    super('mysql', client, ctx, opts);
  }

  /** Resolves with server bytes that followed its OK, or undefined when refused. */
  protected async open(): Promise<Buffer | undefined> {
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

    if (!(await this.authorized())) return undefined;

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
      const server = this.attachServer(connection.socket);
      const { ok, leftover } = await authenticate(
        server,
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
      return this.refuse(this.toFailure(err));
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

  protected async relay(leftover: Buffer): Promise<void> {
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

    this.ended(outcome);

    if (outcome.by === 'inspector') {
      const failure = this.inspectorFailure(outcome.error);
      if (observer.atBoundary) this.clientLastWords = errorPacket({ ...failure.reply, message: failure.message }, auditor.replySequenceId);
      // The withheld command never reaches the database; say goodbye there if we can.
      if (auditor.atBoundary) this.serverLastWords = framePacket(buildCommand.quit(), 0);
    } else if (outcome.by === 'client' && auditor.atBoundary && !auditor.sawQuit) {
      // The client vanished between packets: leave properly, so the database does not log an aborted connection.
      this.serverLastWords = framePacket(buildCommand.quit(), 0);
    }
  }

  protected failure(kind: SessionErrorKind, message: string): SessionFailure {
    return new SessionFailure(replyForKind(kind), message);
  }

  protected isFailure(err: unknown): err is SessionFailure {
    return err instanceof SessionFailure;
  }

  protected refusal(failure: SessionFailure): { lastWords: Buffer; logFields: Record<string, unknown> } {
    return {
      lastWords: errorPacket({ ...failure.reply, message: failure.message }, this.sequenceId),
      logFields: { code: failure.reply.code, sqlState: failure.reply.sqlState },
    };
  }

  /** Why the relay stopped the session, as the client is told. */
  private inspectorFailure(err: unknown): SessionFailure {
    if (err instanceof ProtocolError) return new SessionFailure(err.reply, `protocol violation: ${err.message}`);
    return this.toFailure(err);
  }
}
