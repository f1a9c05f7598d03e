export interface Backoff {
  /** The delay before the next attempt; each call doubles the ceiling up to maxMs. */
  next(): number;
  /** After a connection that worked, start again from initialMs. */
  reset(): void;
}

/**
 * Exponential backoff with full jitter: a delay drawn uniformly from [0, ceiling]. The jitter
 * keeps a fleet of agents that lost the same proxy from reconnecting in lockstep.
 */
export function createBackoff(initialMs = 250, maxMs = 15_000, random: () => number = Math.random): Backoff {
  if (!(initialMs > 0) || !(maxMs >= initialMs)) throw new RangeError('backoff needs 0 < initialMs <= maxMs');
  let attempt = 0;
  return {
    next() {
      const ceiling = Math.min(maxMs, initialMs * 2 ** attempt);
      if (ceiling < maxMs) attempt++;
      return Math.round(random() * ceiling);
    },
    reset() {
      attempt = 0;
    },
  };
}
