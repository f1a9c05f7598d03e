import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { closeGracefully, DEFAULT_CLOSE_GRACE_MS } from '../io/close-gracefully';
import type { RelayOutcome } from '../io/relay';
import { auditQuietly, AuditUnavailable } from './audit';
import { checkAccess } from './check-access';
import { SessionError } from './contract';
import type { SessionContext, SessionErrorKind } from './contract';
import { describeError } from './describe-error';
import { logSessionEnd } from './log-session-end';

export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;

/** What every protocol engine's sessions are given, whatever else the protocol adds. */
export interface RelaySessionOptions {
  /** TCP, TLS and authentication at the database must finish within this (default 15 s). */
  connectTimeoutMs: number;
  /** How long a side gets to hang up after we end it (default 5 s). */
  closeGraceMs: number;
}

/** The options an engine was given, with the defaults for those it was not. */
export function relaySessionOptions(opts: Partial<RelaySessionOptions>): RelaySessionOptions {
  return {
    connectTimeoutMs: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    closeGraceMs: opts.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS,
  };
}

/**
 * The life of one client session on the agent, the same for every protocol: check access,
 * connect, relay while auditing, finish. Every way out goes through `finish`, which closes
 * both sides after what each still has to be told (`clientLastWords`, `serverLastWords`).
 *
 * A protocol subclasses it with how a session opens (its login at the database) and
 * relays (its auditor), and with its own failure: what a client is told, in the
 * protocol's error format, when the session cannot go on.
 */
export abstract class RelaySession<Failure extends Error, Options extends RelaySessionOptions = RelaySessionOptions> {
  protected server: TLSSocket | undefined;
  /** What the client is told last, if anything (an error in the protocol's format). */
  protected clientLastWords: Buffer | undefined;
  protected serverLastWords: Buffer | undefined;
  protected readonly startedAt = Date.now();

  constructor(
    protected readonly protocol: 'postgres' | 'mysql',
    protected readonly client: Duplex,
    protected readonly ctx: SessionContext,
    protected readonly opts: Options,
  ) {
    // Errors surface as 'close' to the relay; without a listener one would kill the agent.
    client.on('error', ignore);
  }

  /**
   * Runs the session to its end and closes both sides. Never rejects: a client's or the
   * database's fault is told to the client; anything else is a bug, logged.
   */
  async serve(): Promise<void> {
    try {
      await this.run();
    } catch (err) {
      // A bug, not a client's or database's fault; the session still gets closed below.
      this.ctx.log.error({ err: describeError(err) }, `${this.protocol} session failed`);
    } finally {
      await this.finish();
    }
  }

  async run(): Promise<void> {
    const leftover = await this.open();
    if (leftover === undefined) return;
    await this.relay(leftover);
  }

  /** Closes both sides after what each still has to be told; never rejects. */
  async finish(): Promise<void> {
    const grace = this.opts.closeGraceMs;
    await Promise.all([
      closeGracefully(this.client, this.clientLastWords, grace),
      this.server ? closeGracefully(this.server, this.serverLastWords, grace) : undefined,
    ]);
  }

  /** Resolves with the server bytes that followed its go-ahead, or undefined when the session was refused. */
  protected abstract open(): Promise<Buffer | undefined>;

  /** Relays until one side ends the session. */
  protected abstract relay(leftover: Buffer): Promise<void>;

  /** The protocol's failure for an error of this kind. */
  protected abstract failure(kind: SessionErrorKind, message: string): Failure;

  protected abstract isFailure(err: unknown): err is Failure;

  /** What the client is told when the session does not start, and the fields that describe the failure in the log. */
  protected abstract refusal(failure: Failure): { lastWords: Buffer; logFields: Record<string, unknown> };

  /** True when the user's access still allows the session; otherwise it is refused (and false). */
  protected async authorized(): Promise<boolean> {
    const refused = await checkAccess(this.ctx);
    if (refused) this.refuse(this.failure(refused.kind, refused.message));
    return refused === undefined;
  }

  /** Takes the database connection; its errors, like the client's, surface as 'close'. */
  protected attachServer(server: TLSSocket): TLSSocket {
    this.server = server;
    // A reused database connection has it from its first session.
    if (!server.listeners('error').includes(ignore)) server.on('error', ignore);
    return server;
  }

  /** The session does not start: audit why, and tell the client. */
  protected refuse(failure: Failure): undefined {
    auditQuietly(this.ctx, { event: 'db.session.start', success: false, error: failure.message });
    const { lastWords, logFields } = this.refusal(failure);
    this.ctx.log.info({ ...logFields, reason: failure.message }, `${this.protocol} session refused`);
    this.clientLastWords = lastWords;
    return undefined;
  }

  /** After the relay: log how it ended and audit the end. */
  protected ended(outcome: RelayOutcome): void {
    logSessionEnd(this.ctx.log, this.protocol, outcome, this.startedAt);
    auditQuietly(this.ctx, { event: 'db.session.end' });
  }

  /** What went wrong while opening the session, as the protocol's failure. */
  protected toFailure(err: unknown): Failure {
    if (this.isFailure(err)) return err;
    if (err instanceof AuditUnavailable) return this.failure('audit_unavailable', err.message);
    if (err instanceof SessionError) return this.failure(err.kind, err.message);
    return this.failure('internal', `Postern failed to connect the session: ${describeError(err)}`);
  }
}

function ignore(): void {}
