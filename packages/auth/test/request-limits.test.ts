import { describe, expect, it } from 'vitest';
import { RequestLimiter } from '../src/limits/request-limiter';
import { RequestLimits } from '../src/limits/request-limits';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('RequestLimiter', () => {
  it('lets `limit` requests through per window and says how long the next one waits', () => {
    const c = clock();
    const l = new RequestLimiter({ limit: 3, windowMs: 60_000 }, c.now);
    expect([l.take('a'), l.take('a'), l.take('a')]).toEqual([0, 0, 0]);
    c.advance(10_000);
    // The first of the three leaves the window 60 s after it came: 50 s from now.
    expect(l.take('a')).toBe(50_000);
    // Refused requests are not counted: the wait does not grow.
    expect(l.take('a')).toBe(50_000);
    // Other keys are counted on their own.
    expect(l.take('b')).toBe(0);
    // All three leave the window together, so three more go through, and then no more.
    c.advance(50_000);
    expect([l.take('a'), l.take('a'), l.take('a')]).toEqual([0, 0, 0]);
    expect(l.take('a')).toBe(60_000);
  });

  it('keeps at most maxKeys keys, dropping the one used longest ago', () => {
    const c = clock();
    const l = new RequestLimiter({ limit: 1, windowMs: 60_000, maxKeys: 2 }, c.now);
    l.take('old');
    l.take('mid');
    l.take('new');
    expect(l.size).toBe(2);
    // "old" was dropped, so it is let through again; "new" is still counted.
    expect(l.take('old')).toBe(0);
    expect(l.take('new')).toBeGreaterThan(0);
  });

  it('refuses settings that would limit nothing or everything', () => {
    expect(() => new RequestLimiter({ limit: 0, windowMs: 1000 })).toThrow(/limit/);
    expect(() => new RequestLimiter({ limit: 1, windowMs: 0 })).toThrow(/windowMs/);
  });
});

describe('RequestLimits', () => {
  it('limits sign-in starts per address with a 429 that says when to retry', () => {
    const c = clock();
    const limits = new RequestLimits({ ssoStartsPerAddress: 2, ssoStartsTotal: 100, bundlesPerUser: 5 }, c.now);
    limits.ssoStart('192.0.2.1');
    limits.ssoStart('192.0.2.1');
    let err: unknown;
    try {
      limits.ssoStart('192.0.2.1');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ name: 'AuthError', status: 429, code: 'rate_limited', retryAfter: 60 });
    expect((err as Error).message).toBe('too many sign-ins started from 192.0.2.1; try again in 60 s');
    // Another address is not affected.
    expect(() => limits.ssoStart('192.0.2.2')).not.toThrow();
  });

  it('limits sign-in starts of everyone together, after the per-address check', () => {
    const c = clock();
    const limits = new RequestLimits({ ssoStartsPerAddress: 10, ssoStartsTotal: 3, bundlesPerUser: 5 }, c.now);
    for (const a of ['a', 'b', 'c']) limits.ssoStart(a);
    expect(() => limits.ssoStart('d')).toThrow(/too many sign-ins are being started on this server right now; try again in 60 s/);
    c.advance(60_000);
    expect(() => limits.ssoStart('d')).not.toThrow();
  });

  it('limits bundles per user', () => {
    const c = clock();
    const limits = new RequestLimits({ ssoStartsPerAddress: 10, ssoStartsTotal: 10, bundlesPerUser: 2 }, c.now);
    limits.bundle('alice');
    c.advance(30_500);
    limits.bundle('alice');
    expect(() => limits.bundle('alice')).toThrow(/too many connection bundles downloaded by alice; try again in 30 s/);
    expect(() => limits.bundle('bob')).not.toThrow();
  });
});
