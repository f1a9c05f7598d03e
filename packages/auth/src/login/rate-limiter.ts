import { AuthError } from '../errors';

interface Window {
  failures: number[];
}

/**
 * Failed logins are limited per user name and per client address, in memory. Several
 * replicas each keep their own count, which still bounds guessing to replicas × limit.
 */
export class LoginRateLimiter {
  private readonly byUser = new Map<string, Window>();
  private readonly byAddr = new Map<string, Window>();

  constructor(
    private readonly opts = { perUser: 5, perAddress: 20, windowMs: 5 * 60_000 },
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws rate_limited while either key has used up its failures in the window. */
  check(user: string, addr: string): void {
    const t = this.now();
    const userWait = this.waitFor(this.byUser, user, this.opts.perUser, t);
    const addrWait = this.waitFor(this.byAddr, addr, this.opts.perAddress, t);
    const wait = Math.max(userWait, addrWait);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      const who = userWait >= addrWait ? `user ${user}` : `address ${addr}`;
      throw new AuthError('rate_limited', `too many failed logins for ${who}; try again in ${seconds} s`, { retryAfter: seconds });
    }
  }

  recordFailure(user: string, addr: string): void {
    const t = this.now();
    this.push(this.byUser, user, t);
    this.push(this.byAddr, addr, t);
  }

  recordSuccess(user: string): void {
    this.byUser.delete(user);
  }

  private waitFor(map: Map<string, Window>, key: string, limit: number, t: number): number {
    const w = map.get(key);
    if (!w) return 0;
    w.failures = w.failures.filter((f) => t - f < this.opts.windowMs);
    if (w.failures.length === 0) {
      map.delete(key);
      return 0;
    }
    if (w.failures.length < limit) return 0;
    return w.failures[w.failures.length - limit]! + this.opts.windowMs - t;
  }

  private push(map: Map<string, Window>, key: string, t: number): void {
    const w = map.get(key) ?? { failures: [] };
    w.failures.push(t);
    // Bound memory: only the newest failures matter for the limit.
    if (w.failures.length > 100) w.failures.splice(0, w.failures.length - 100);
    map.set(key, w);
    if (map.size > 100_000) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
  }
}
