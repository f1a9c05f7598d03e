import type { Duplex } from 'node:stream';
import { describeError } from '@postern/engine';
import type { Engine, SessionContext } from '@postern/engine';
import { DEFAULT_SESSION_OPTIONS, PostgresSession } from './session';
import type { BackendKey, SessionOptions } from './session';

export type { BackendKey };

export interface PostgresEngineOptions {
  /** TCP, TLS and authentication at the database must finish within this (default 15 s). */
  connectTimeoutMs?: number;
  /** How long a side gets to hang up after we end it (default 5 s). */
  closeGraceMs?: number;
  /** Cap on a client message's declared length (default 64 MiB). */
  maxMessageLength?: number;
  /**
   * Receives each session's real backend process id and cancel key, so the agent can
   * route a client's CancelRequest to `sendCancelRequest`. A function returned is called
   * when the session ends, to forget the key.
   */
  onBackendKey?: (key: BackendKey) => void | (() => void);
}

/**
 * The agent side of PostgreSQL (Teleport's Engine): authorizes the session, connects to
 * the database as the route says with a DB Client CA certificate, and relays while
 * auditing what the client runs.
 */
export class PostgresEngine implements Engine {
  readonly protocol = 'postgres' as const;
  private readonly opts: SessionOptions;

  constructor(opts: PostgresEngineOptions = {}) {
    this.opts = {
      connectTimeoutMs: opts.connectTimeoutMs ?? DEFAULT_SESSION_OPTIONS.connectTimeoutMs,
      closeGraceMs: opts.closeGraceMs ?? DEFAULT_SESSION_OPTIONS.closeGraceMs,
      ...(opts.maxMessageLength !== undefined ? { maxMessageLength: opts.maxMessageLength } : {}),
      ...(opts.onBackendKey ? { onBackendKey: opts.onBackendKey } : {}),
    };
  }

  async handleConnection(stream: Duplex, startup: Record<string, string>, ctx: SessionContext): Promise<void> {
    const session = new PostgresSession(stream, startup, ctx, this.opts);
    try {
      await session.run();
    } catch (err) {
      // A bug, not a client's or database's fault; the session still gets closed below.
      ctx.log.error({ err: describeError(err) }, 'postgres session failed');
    } finally {
      await session.finish();
    }
  }
}
