import type { Logger } from '@postern/log';
import { REVOKED_AGENT_REASON, type TunnelServer } from '@postern/tunnel';

/** How often the proxy asks for the revoked host ids: a removed agent's tunnels end within this. */
export const REVOKED_AGENTS_POLL_MS = 2_000;

/**
 * What a removed agent reads in its log when the proxy refuses or closes its tunnel; it is
 * @postern/tunnel's, so the agent recognises it and asks the Auth Service at once.
 */
export { REVOKED_AGENT_REASON };

export interface RevokedAgentsOptions {
  /** The host ids of removed agents, from the Auth Service. */
  list(): Promise<string[]>;
  tunnels: TunnelServer;
  log: Logger;
  intervalMs?: number;
}

/**
 * The proxy's copy of the revoked host ids: a new tunnel from one of them is refused
 * (has()), and every poll closes the tunnels such a host still has, so that the clients
 * it carried get the usual "no agent online" and it carries no new ones.
 */
export class RevokedAgents {
  private ids = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(private readonly opts: RevokedAgentsOptions) {}

  /** Reads the list once (so the first tunnels are checked against it), then every intervalMs. */
  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.opts.intervalMs ?? REVOKED_AGENTS_POLL_MS);
    this.timer.unref();
  }

  has(hostId: string): boolean {
    return this.ids.has(hostId);
  }

  /** One round: fetch, then close what revoked hosts still hold. Overlapping rounds share one. */
  poll(): Promise<void> {
    this.polling ??= this.round().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async round(): Promise<void> {
    let ids: string[];
    try {
      ids = await this.opts.list();
    } catch (err) {
      // The last list stays in force: cutting every tunnel because the store hiccuped would
      // be worse than a revocation that takes a few seconds longer.
      this.opts.log.warn({ err: (err as Error).message }, 'cannot read the revoked agents; keeping the last list');
      return;
    }
    this.ids = new Set(ids);
    for (const id of this.ids) {
      const closed = this.opts.tunnels.closeHost(id, REVOKED_AGENT_REASON);
      if (closed > 0) this.opts.log.warn({ agent: id, tunnels: closed }, 'closed the tunnels of a removed (revoked) agent');
    }
  }
}
