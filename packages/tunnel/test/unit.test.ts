import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createBackoff, decodeDialRequest, encodeDialRequest, isTunnelError, MAX_DIAL_HEADER_BYTES, parseHello } from '../src';
import { parseHostPort } from '../src/address';
import { onLines } from '../src/lines';

function thrown(fn: () => unknown): any {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('backoff', () => {
  it('draws from [0, ceiling] with a ceiling that doubles up to maxMs, and resets', () => {
    const b = createBackoff(100, 1000, () => 1);
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000, 1000]);
    b.reset();
    expect(b.next()).toBe(100);
  });

  it('is fully jittered', () => {
    const low = createBackoff(100, 1000, () => 0);
    expect(low.next()).toBe(0);
    const draws = new Set(Array.from({ length: 50 }, () => createBackoff(1000, 1000).next()));
    expect(draws.size).toBeGreaterThan(10);
    for (const d of draws) {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(1000);
    }
  });

  it('refuses nonsense bounds', () => {
    expect(() => createBackoff(0, 10)).toThrow(RangeError);
    expect(() => createBackoff(100, 10)).toThrow(RangeError);
  });
});

describe('dial request header', () => {
  it('round-trips, including non-ASCII meta', () => {
    const req = { database: 'demo', protocol: 'mysql' as const, meta: { user: 'zoë', cert: 'AAEC', n: 3 } };
    const header = encodeDialRequest(req);
    expect(header).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeDialRequest(header)).toEqual(req);
  });

  it('refuses oversized requests on both sides', () => {
    const big = { database: 'demo', protocol: 'postgres' as const, meta: { blob: 'x'.repeat(MAX_DIAL_HEADER_BYTES) } };
    expect(thrown(() => encodeDialRequest(big)).code).toBe('dial_failed');
    expect(thrown(() => decodeDialRequest('A'.repeat(MAX_DIAL_HEADER_BYTES + 1))).code).toBe('protocol_error');
  });

  it('validates what the agent receives', () => {
    const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const bad of [undefined, '', '!!!', enc([]), enc({ protocol: 'postgres' }), enc({ database: 'd', protocol: 'oracle' }), enc({ database: 'd', protocol: 'mysql', meta: [1] })]) {
      const err = thrown(() => decodeDialRequest(bad));
      expect(isTunnelError(err, 'protocol_error'), String(bad)).toBe(true);
    }
    expect(decodeDialRequest(enc({ database: 'd', protocol: 'mysql' })).meta).toEqual({});
  });
});

describe('hello', () => {
  const ok = { hostId: 'h', name: 'n', version: '1', databases: [{ name: 'demo', protocol: 'postgres', labels: { a: 'b' } }] };

  it('parses a valid hello, defaulting labels', () => {
    expect(parseHello(JSON.stringify(ok))).toEqual(ok);
    const noLabels = { ...ok, databases: [{ name: 'demo', protocol: 'mysql' }] };
    expect(parseHello(JSON.stringify(noLabels)).databases[0]?.labels).toEqual({});
  });

  it('refuses malformed ones', () => {
    for (const bad of ['nope', '[]', JSON.stringify({ ...ok, hostId: '' }), JSON.stringify({ ...ok, databases: [{ name: 'x', protocol: 'db2' }] }), JSON.stringify({ ...ok, databases: [{ name: 'x', protocol: 'mysql', labels: { a: 1 } }] })]) {
      expect(thrown(() => parseHello(bad)).code, bad).toBe('protocol_error');
    }
  });
});

describe('onLines', () => {
  it('splits lines across chunks', () => {
    const s = new PassThrough();
    const lines: string[] = [];
    onLines(s, 100, (l) => lines.push(l), (e) => lines.push(`error ${e.message}`));
    s.write('ab');
    s.write('c\nde\n');
    s.write('f');
    s.write('\n');
    expect(lines).toEqual(['abc', 'de', 'f']);
  });

  it('fails on a line longer than the cap instead of buffering it', () => {
    const s = new PassThrough();
    const errors: Error[] = [];
    onLines(s, 10, () => {}, (e) => errors.push(e));
    s.write('0123456');
    s.write('789abc');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain('longer than 10 bytes');
    expect(s.destroyed).toBe(true);
  });
});

describe('parseHostPort', () => {
  it('reads host:port and [v6]:port', () => {
    expect(parseHostPort('proxy.example.com:3080')).toEqual({ host: 'proxy.example.com', port: 3080 });
    expect(parseHostPort('[::1]:3080')).toEqual({ host: '::1', port: 3080 });
  });
  it('refuses the rest', () => {
    for (const bad of ['proxy', 'proxy:0', 'proxy:70000', '::1:3080', ':3080']) expect(thrown(() => parseHostPort(bad)).code, bad).toBe('invalid_argument');
  });
});
