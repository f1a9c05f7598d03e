import type { Duplex } from 'node:stream';
import { describeError } from '@postern/engine';
import type { Engine, SessionContext } from '@postern/engine';
import { DEFAULT_SESSION_OPTIONS, MysqlSession } from './session';
import type { SessionOptions } from './session';

export interface MysqlEngineOptions {
  /** TCP, TLS and authentication at the database must finish within this (default 15 s). */
  connectTimeoutMs?: number;
  /** How long a side gets to hang up after we end it (default 5 s). */
  closeGraceMs?: number;
  /** Cap on a client packet Postern reassembles to audit, all parts together (default 64 MiB). */
  maxPacketLength?: number;
}

/**
 * The agent side of MySQL and MariaDB (Teleport's Engine): authorizes the session, logs
 * in to the database as the route says with a DB Client CA certificate, and relays while
 * auditing what the client runs. `startup` is the proxy's encodeStartup record.
 */
export class MysqlEngine implements Engine {
  readonly protocol = 'mysql' as const;
  private readonly opts: SessionOptions;

  constructor(opts: MysqlEngineOptions = {}) {
    this.opts = {
      connectTimeoutMs: opts.connectTimeoutMs ?? DEFAULT_SESSION_OPTIONS.connectTimeoutMs,
      closeGraceMs: opts.closeGraceMs ?? DEFAULT_SESSION_OPTIONS.closeGraceMs,
      ...(opts.maxPacketLength !== undefined ? { maxPacketLength: opts.maxPacketLength } : {}),
    };
  }

  async handleConnection(stream: Duplex, startup: Record<string, string>, ctx: SessionContext): Promise<void> {
    const session = new MysqlSession(stream, startup, ctx, this.opts);
    try {
      await session.run();
    } catch (err) {
      // A bug, not a client's or database's fault; the session still gets closed below.
      ctx.log.error({ err: describeError(err) }, 'mysql session failed');
    } finally {
      await session.finish();
    }
  }
}
