/**
 * At most `limit` requests per key in any `windowMs`, in memory. Each replica keeps its
 * own counts, which still bounds the whole cluster to replicas × limit. Keys are dropped
 * once their window is empty, and past `maxKeys` the oldest goes first, so a stranger
 * cycling through addresses costs bounded memory.
 */
export class RequestLimiter {
  private readonly byKey = new Map<string, number[]>();

  constructor(
    private readonly opts: { limit: number; windowMs: number; maxKeys?: number },
    private readonly now: () => number = Date.now,
  ) {
    if (!(opts.limit >= 1) || !(opts.windowMs > 0)) throw new Error(`RequestLimiter: limit ≥ 1 and windowMs > 0, got ${opts.limit}, ${opts.windowMs}`);
  }

  /** Counts one request for `key` and returns 0, or, when the key used up its window, the ms until it may try again (not counted). */
  take(key: string): number {
    const t = this.now();
    const times = (this.byKey.get(key) ?? []).filter((x) => t - x < this.opts.windowMs);
    if (times.length >= this.opts.limit) {
      this.byKey.set(key, times);
      return times[times.length - this.opts.limit]! + this.opts.windowMs - t;
    }
    times.push(t);
    // Re-inserted, so the map's first key is the one used longest ago.
    this.byKey.delete(key);
    this.byKey.set(key, times);
    if (this.byKey.size > (this.opts.maxKeys ?? 100_000)) this.byKey.delete(this.byKey.keys().next().value!);
    return 0;
  }

  /** Keys with requests in their window; for tests and metrics. */
  get size(): number {
    return this.byKey.size;
  }
}
