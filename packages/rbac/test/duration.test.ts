import { describe, expect, it } from 'vitest';
import { parseDuration, RbacError } from '../src/index';

describe('parseDuration', () => {
  it.each([
    ['8h', 8 * 3_600_000],
    ['30m', 30 * 60_000],
    ['45s', 45_000],
    ['1h30m', 90 * 60_000],
    ['2190h', 2190 * 3_600_000],
    ['1h30m15s', 3_600_000 + 30 * 60_000 + 15_000],
    ['250ms', 250],
    ['1.5h', 90 * 60_000],
    ['0s', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '8', 'h', '1d', '8H', ' 8h', '8h ', '-1h', '1h-30m', '1.h', 'abc', '1e3s', '99999999999999999999h'])(
    'refuses %j',
    (text) => {
      let caught: unknown;
      try {
        parseDuration(text);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(RbacError);
      expect((caught as RbacError).code).toBe('duration_invalid');
      expect((caught as RbacError).message).toContain(JSON.stringify(text));
    },
  );

  it('refuses a non-string from untyped callers', () => {
    expect(() => parseDuration(8 as unknown as string)).toThrow(RbacError);
  });
});
