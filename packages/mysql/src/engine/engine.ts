import type { Duplex } from 'node:stream';
import { relaySessionOptions } from '@postern/engine';
import type { Engine, RelaySessionOptions, SessionContext } from '@postern/engine';
import { MysqlSession } from './session';
import type { SessionOptions } from './session';

export interface MysqlEngineOptions extends Partial<RelaySessionOptions> {
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
      ...relaySessionOptions(opts),
      ...(opts.maxPacketLength !== undefined ? { maxPacketLength: opts.maxPacketLength } : {}),
    };
  }

  async handleConnection(stream: Duplex, startup: Record<string, string>, ctx: SessionContext): Promise<void> {
    await new MysqlSession(stream, startup, ctx, this.opts).serve();
  }
}
