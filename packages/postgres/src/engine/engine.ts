import type { Duplex } from 'node:stream';
import { relaySessionOptions } from '@postern/engine';
import type { DatabaseTarget, Engine, RelaySessionOptions, SessionContext } from '@postern/engine';
import { ServerPool } from './server-pool';
import { PostgresSession } from './session';
import type { BackendKey, SessionOptions } from './session';

export type { BackendKey };

export interface PostgresEngineOptions extends Partial<RelaySessionOptions> {
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
  /** Per database name, for databases that reuse connections. */
  private readonly pools = new Map<string, ServerPool>();

  constructor(opts: PostgresEngineOptions = {}) {
    this.opts = {
      ...relaySessionOptions(opts),
      ...(opts.maxMessageLength !== undefined ? { maxMessageLength: opts.maxMessageLength } : {}),
      ...(opts.onBackendKey ? { onBackendKey: opts.onBackendKey } : {}),
    };
  }

  async handleConnection(stream: Duplex, startup: Record<string, string>, ctx: SessionContext): Promise<void> {
    const pool = this.poolFor(ctx.database);
    await new PostgresSession(stream, startup, ctx, pool ? { ...this.opts, pool } : this.opts).serve();
  }

  /** Closes the idle database connections kept for reuse. */
  close(): void {
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
  }

  /** Idle database connections kept for reuse, over all databases. */
  get idleConnections(): number {
    let n = 0;
    for (const [, size] of this.idleConnectionsByDatabase()) n += size;
    return n;
  }

  /** Idle database connections kept for reuse, by database name. */
  *idleConnectionsByDatabase(): Iterable<[string, number]> {
    for (const [name, pool] of this.pools) yield [name, pool.size];
  }

  private poolFor(database: DatabaseTarget): ServerPool | undefined {
    const settings = database.reuseConnections;
    if (!settings) return undefined;
    let pool = this.pools.get(database.name);
    if (!pool) {
      pool = new ServerPool(settings);
      this.pools.set(database.name, pool);
    }
    return pool;
  }
}
