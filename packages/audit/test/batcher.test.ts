import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuditBatcher, AuditError, type AuditEvent } from '../src/index';
import { queryEvent } from './fixtures';

/** A sink that records each call and can be told to fail or hang. */
function fakeSink() {
  const calls: AuditEvent[][] = [];
  const delivered: AuditEvent[] = [];
  let failuresLeft = 0;
  let gate: Promise<void> | undefined;
  const sink = async (events: AuditEvent[]) => {
    calls.push([...events]);
    if (gate) await gate;
    if (failuresLeft > 0) {
      failuresLeft -= 1;
      throw new Error('store unavailable');
    }
    delivered.push(...events);
  };
  return {
    sink,
    calls,
    delivered,
    failNext(n: number) {
      failuresLeft = n;
    },
    /** Holds every sink call until the returned function is called. */
    hold(): () => void {
      let open!: () => void;
      gate = new Promise((resolve) => (open = resolve));
      return () => {
        gate = undefined;
        open();
      };
    },
  };
}

const ei = (events: AuditEvent[]) => events.map((e) => e.ei);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('AuditBatcher', () => {
  it('writes a full batch at once and keeps the remainder for the interval', async () => {
    const s = fakeSink();
    const b = new AuditBatcher(s.sink, { maxBatch: 3, flushIntervalMs: 1000 });
    for (const n of range(0, 7)) b.emit(queryEvent(n));
    await vi.advanceTimersByTimeAsync(0);
    expect(s.calls.map(ei)).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(b.pending).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(s.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.calls.map(ei)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(b.pending).toBe(0);
  });

  it('writes a partial batch after the flush interval', async () => {
    const s = fakeSink();
    const b = new AuditBatcher(s.sink, { flushIntervalMs: 50 });
    b.emit(queryEvent(0));
    await vi.advanceTimersByTimeAsync(20);
    b.emit(queryEvent(1)); // joins the batch; does not restart the clock
    await vi.advanceTimersByTimeAsync(29);
    expect(s.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.calls.map(ei)).toEqual([[0, 1]]);
  });

  it('uses the documented defaults: 500 per batch, 50 ms', async () => {
    const s = fakeSink();
    const b = new AuditBatcher(s.sink);
    for (const n of range(0, 1001)) b.emit(queryEvent(n));
    await vi.advanceTimersByTimeAsync(0);
    expect(s.calls.map((c) => c.length)).toEqual([500, 500]);
    await vi.advanceTimersByTimeAsync(50);
    expect(s.calls.map((c) => c.length)).toEqual([500, 500, 1]);
  });

  it('delivers every event once, in emission order, across batches', async () => {
    const s = fakeSink();
    const b = new AuditBatcher(s.sink, { maxBatch: 7, flushIntervalMs: 5 });
    const emitted: AuditEvent[] = [];
    for (const n of range(0, 100)) {
      const event = queryEvent(n);
      emitted.push(event);
      b.emit(event);
      if (n % 13 === 0) await vi.advanceTimersByTimeAsync(3);
    }
    await b.flush();
    expect(s.delivered.map((e) => e.uid)).toEqual(emitted.map((e) => e.uid));
    expect(s.calls.every((c) => c.length <= 7)).toBe(true);
  });

  it('has one sink call in flight at a time', async () => {
    const s = fakeSink();
    const release = s.hold();
    const b = new AuditBatcher(s.sink, { maxBatch: 2, flushIntervalMs: 1 });
    for (const n of range(0, 6)) b.emit(queryEvent(n));
    await vi.advanceTimersByTimeAsync(10);
    expect(s.calls).toHaveLength(1);
    expect(b.pending).toBe(6);
    release();
    await b.flush();
    expect(s.calls.map(ei)).toEqual([[0, 1], [2, 3], [4, 5]]);
  });

  it('retries a failed batch with the same events, backing off, without loss or duplication', async () => {
    const s = fakeSink();
    const errors: [unknown, number][] = [];
    const b = new AuditBatcher(s.sink, {
      maxBatch: 3,
      flushIntervalMs: 10,
      retryBaseMs: 100,
      onError: (err, pending) => errors.push([err, pending]),
    });
    s.failNext(3);
    for (const n of range(0, 3)) b.emit(queryEvent(n));
    await vi.advanceTimersByTimeAsync(0);
    expect(s.calls).toHaveLength(1);
    // Events that arrive during the outage wait behind the failed batch, not inside it.
    b.emit(queryEvent(3));
    await vi.advanceTimersByTimeAsync(99);
    expect(s.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1); // 100 ms
    expect(s.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(199);
    expect(s.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1); // then 200 ms
    expect(s.calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(400); // then 400 ms: succeeds
    expect(s.calls.map(ei)).toEqual([[0, 1, 2], [0, 1, 2], [0, 1, 2], [0, 1, 2]]);
    await b.flush();
    expect(ei(s.delivered)).toEqual([0, 1, 2, 3]);
    expect(errors).toHaveLength(3);
    expect((errors[0]?.[0] as Error).message).toBe('store unavailable');
    // pending as of each failure: the batch, then the batch plus the late event.
    expect(errors.map(([, pending]) => pending)).toEqual([3, 4, 4]);
    expect(b.pending).toBe(0);
  });

  it('caps the retry delay and resets it after a success', async () => {
    const s = fakeSink();
    const b = new AuditBatcher(s.sink, { flushIntervalMs: 0, retryBaseMs: 100, retryMaxMs: 300 });
    s.failNext(4);
    b.emit(queryEvent(0));
    await vi.advanceTimersByTimeAsync(0); // fail 1
    await vi.advanceTimersByTimeAsync(100); // fail 2
    await vi.advanceTimersByTimeAsync(200); // fail 3
    await vi.advanceTimersByTimeAsync(300); // fail 4 (capped at 300, not 400)
    expect(s.calls).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(300); // success
    expect(s.delivered).toHaveLength(1);
    s.failNext(1);
    b.emit(queryEvent(1));
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(100); // back to the base delay
    expect(ei(s.delivered)).toEqual([0, 1]);
  });

  it('retries a sink that throws synchronously', async () => {
    let calls = 0;
    const got: number[] = [];
    const sink = (events: AuditEvent[]): Promise<void> => {
      calls += 1;
      if (calls === 1) throw new Error('sync boom');
      got.push(...ei(events));
      return Promise.resolve();
    };
    const b = new AuditBatcher(sink, { flushIntervalMs: 0, retryBaseMs: 10 });
    b.emit(queryEvent(0));
    await vi.advanceTimersByTimeAsync(20);
    expect(got).toEqual([0]);
    expect(calls).toBe(2);
  });

  it('retries with the original events even if the sink consumed its argument', async () => {
    let calls = 0;
    const got: number[] = [];
    const sink = async (events: AuditEvent[]) => {
      calls += 1;
      const taken = events.splice(0);
      if (calls === 1) throw new Error('after consuming');
      got.push(...ei(taken));
    };
    const b = new AuditBatcher(sink, { flushIntervalMs: 0, retryBaseMs: 10 });
    b.emit(queryEvent(0));
    b.emit(queryEvent(1));
    await vi.advanceTimersByTimeAsync(20);
    expect(got).toEqual([0, 1]);
  });

  it('keeps delivering when onError itself throws', async () => {
    const s = fakeSink();
    const b = new AuditBatcher(s.sink, {
      flushIntervalMs: 0,
      retryBaseMs: 10,
      onError: () => {
        throw new Error('logger broke');
      },
    });
    s.failNext(1);
    b.emit(queryEvent(0));
    await vi.advanceTimersByTimeAsync(20);
    expect(ei(s.delivered)).toEqual([0]);
  });

  it('refuses events beyond maxBuffered, counting those in flight, and recovers', async () => {
    const s = fakeSink();
    const release = s.hold();
    const b = new AuditBatcher(s.sink, { maxBatch: 2, maxBuffered: 3, flushIntervalMs: 0 });
    b.emit(queryEvent(0));
    b.emit(queryEvent(1));
    await vi.advanceTimersByTimeAsync(0); // [0, 1] in flight
    b.emit(queryEvent(2));
    expect(b.pending).toBe(3);
    let caught: unknown;
    try {
      b.emit(queryEvent(3));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AuditError);
    expect((caught as AuditError).code).toBe('audit_backpressure');
    expect((caught as AuditError).message).toContain('3 events are waiting');
    release();
    await b.flush();
    b.emit(queryEvent(4));
    await b.flush();
    expect(ei(s.delivered)).toEqual([0, 1, 2, 4]);
  });

  describe('flush', () => {
    it('resolves at once when nothing is pending', async () => {
      const b = new AuditBatcher(fakeSink().sink);
      await expect(b.flush()).resolves.toBeUndefined();
    });

    it('delivers without waiting for the interval and resolves only after delivery', async () => {
      const s = fakeSink();
      const release = s.hold();
      const b = new AuditBatcher(s.sink, { flushIntervalMs: 60_000 });
      b.emit(queryEvent(0));
      let flushed = false;
      void b.flush().then(() => (flushed = true));
      await vi.advanceTimersByTimeAsync(0);
      expect(s.calls).toHaveLength(1);
      expect(flushed).toBe(false);
      release();
      await vi.advanceTimersByTimeAsync(0);
      expect(flushed).toBe(true);
      expect(b.pending).toBe(0);
    });

    it('waits through failures until the events are stored', async () => {
      const s = fakeSink();
      const b = new AuditBatcher(s.sink, { retryBaseMs: 100 });
      s.failNext(2);
      b.emit(queryEvent(0));
      let flushed = false;
      void b.flush().then(() => (flushed = true));
      await vi.advanceTimersByTimeAsync(250);
      expect(flushed).toBe(false);
      await vi.advanceTimersByTimeAsync(50);
      expect(flushed).toBe(true);
      expect(ei(s.delivered)).toEqual([0]);
    });

    it('covers events emitted before the call, not after', async () => {
      const s = fakeSink();
      const release = s.hold();
      const b = new AuditBatcher(s.sink, { maxBatch: 1, flushIntervalMs: 60_000 });
      b.emit(queryEvent(0));
      const first = b.flush();
      b.emit(queryEvent(1));
      let firstDone = false;
      void first.then(() => (firstDone = true));
      release();
      await vi.advanceTimersByTimeAsync(0);
      expect(firstDone).toBe(true);
      expect(ei(s.delivered)).toContain(0);
      await b.flush();
      expect(ei(s.delivered)).toEqual([0, 1]);
    });
  });

  describe('close', () => {
    it('delivers what is pending, refuses new events and leaves no timer behind', async () => {
      const s = fakeSink();
      const b = new AuditBatcher(s.sink, { flushIntervalMs: 60_000 });
      b.emit(queryEvent(0));
      b.emit(queryEvent(1));
      await b.close();
      expect(ei(s.delivered)).toEqual([0, 1]);
      expect(vi.getTimerCount()).toBe(0);
      expect(() => b.emit(queryEvent(2))).toThrow(expect.objectContaining({ code: 'audit_closed' }));
      await expect(b.close()).resolves.toBeUndefined();
    });

    it('gives up after timeoutMs when the store stays down, saying how many events remain', async () => {
      const s = fakeSink();
      const b = new AuditBatcher(s.sink, { retryBaseMs: 100 });
      s.failNext(Number.MAX_SAFE_INTEGER);
      b.emit(queryEvent(0));
      b.emit(queryEvent(1));
      const closing = b.close({ timeoutMs: 1000 });
      const outcome = expect(closing).rejects.toMatchObject({
        code: 'audit_undelivered',
        message: '2 audit events were not delivered before shutdown',
      });
      await vi.advanceTimersByTimeAsync(1000);
      await outcome;
      const callsAtClose = s.calls.length;
      await vi.advanceTimersByTimeAsync(60_000);
      expect(s.calls).toHaveLength(callsAtClose); // no retries after stop
      expect(vi.getTimerCount()).toBe(0);
      expect(b.pending).toBe(2);
      await expect(b.flush()).rejects.toMatchObject({ code: 'audit_undelivered' });
    });

    it('resolves within timeoutMs when the store is up', async () => {
      const s = fakeSink();
      const b = new AuditBatcher(s.sink);
      b.emit(queryEvent(0));
      await expect(b.close({ timeoutMs: 1000 })).resolves.toBeUndefined();
      expect(ei(s.delivered)).toEqual([0]);
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  it.each([
    [{ maxBatch: 0 }, 'maxBatch'],
    [{ maxBatch: 1.5 }, 'maxBatch'],
    [{ maxBuffered: 0 }, 'maxBuffered'],
    [{ flushIntervalMs: -1 }, 'flushIntervalMs'],
    [{ retryBaseMs: Number.NaN }, 'retryBaseMs'],
  ])('refuses option %o', (opts, name) => {
    expect(() => new AuditBatcher(fakeSink().sink, opts)).toThrow(new RegExp(name));
  });
});

describe('AuditBatcher with real timers', () => {
  it('delivers a burst under a slow sink without loss', async () => {
    vi.useRealTimers();
    const delivered: AuditEvent[] = [];
    const sizes: number[] = [];
    const b = new AuditBatcher(
      async (events) => {
        await new Promise((r) => setTimeout(r, 5));
        sizes.push(events.length);
        delivered.push(...events);
      },
      { maxBatch: 100, flushIntervalMs: 2 },
    );
    const emitted = range(0, 1000).map(queryEvent);
    for (const e of emitted) b.emit(e);
    await b.close();
    expect(delivered.map((e) => e.uid)).toEqual(emitted.map((e) => e.uid));
    expect(sizes).toEqual(Array(10).fill(100));
  });
});
