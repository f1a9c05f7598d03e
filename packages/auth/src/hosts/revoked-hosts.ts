import type { Store } from '@postern/store';

/** A host id locked out for good, as revoked_hosts keeps it. */
export interface RevokedHost {
  hostId: string;
  /** The agent's name when it was removed. */
  name: string;
  revokedAt: Date;
  revokedBy: string;
}

/**
 * How old the list may get before a host's request reads it again. Removals made by this
 * process count at once (remember()); those of another replica sharing the store within this.
 */
export const REVOKED_HOSTS_REFRESH_MS = 5_000;

/** What a revoked host is told, on every call it makes: who removed it, when, and how to come back. */
export function revokedHostMessage(r: RevokedHost): string {
  return (
    `agent ${r.name} (host ${r.hostId}) was removed by ${r.revokedBy} at ${r.revokedAt.toISOString()}; ` +
    'join it again with a new token: `postern admin tokens add --type agent`, put it in agent.join_token ' +
    "and delete agent/identity.json in the agent's data dir (an agent inside `postern start` gets a new host id when it restarts)"
  );
}

/**
 * The revoked host ids, in memory: every host-authenticated request and every proxy's sweep
 * of its tunnels asks, and a query per request would be one more store round trip on the
 * path of every database session (the agent's access lookup). The list is small (removed
 * agents) and read whole.
 */
export class RevokedHosts {
  private byId = new Map<string, RevokedHost>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly refreshMs = REVOKED_HOSTS_REFRESH_MS,
    private readonly clock: () => number = () => Date.now(),
  ) {}

  /** The revocation of this host id, if any. */
  async lookup(hostId: string): Promise<RevokedHost | undefined> {
    await this.fresh();
    return this.byId.get(hostId);
  }

  /** Every revoked host id (for proxies, which cut the tunnels of these hosts). */
  async ids(): Promise<string[]> {
    await this.fresh();
    return [...this.byId.keys()];
  }

  /** A revocation this process just stored: in effect for the very next request, not after the next refresh. */
  remember(r: RevokedHost): void {
    this.byId.set(r.hostId, r);
  }

  private async fresh(): Promise<void> {
    if (this.clock() - this.loadedAt < this.refreshMs) return;
    // Concurrent requests share one read.
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    await this.loading;
  }

  private async load(): Promise<void> {
    const startedAt = this.clock();
    const rows = await this.store.prisma.revokedHost.findMany();
    const next = new Map(rows.map((r) => [r.hostId, r] as const));
    // A remember() while the read was in flight may not be in its rows yet; revocations are
    // never undone, so keeping what is known already cannot let a revoked host back in.
    for (const [id, r] of this.byId) if (!next.has(id)) next.set(id, r);
    this.byId = next;
    this.loadedAt = startedAt;
  }
}
