import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ThrottledTask } from '../src/throttled-task';

const GAP = 2_000;

/** A task whose runs the test finishes one by one, counting how many overlap. */
function controlledTask() {
  const finishers: ((err?: Error) => void)[] = [];
  let running = 0;
  const state = { starts: 0, maxConcurrent: 0 };
  const task = () =>
    new Promise<void>((resolve, reject) => {
      state.starts++;
      running++;
      state.maxConcurrent = Math.max(state.maxConcurrent, running);
      finishers.push((err) => {
        running--;
        if (err) reject(err);
        else resolve();
      });
    });
  /** Finishes the oldest unfinished run and lets the promise callbacks settle. */
  const finish = async (err?: Error) => {
    const f = finishers.shift();
    if (!f) throw new Error('no run in flight');
    f(err);
    await vi.advanceTimersByTimeAsync(0);
  };
  return { task, state, finish, inFlight: () => finishers.length };
}

describe('ThrottledTask (the agent heartbeat that tunnel refusals ask for)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs at once when asked and nothing ran recently', async () => {
    const t = controlledTask();
    const runner = new ThrottledTask(t.task, { minGapMs: GAP });
    runner.request();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.state.starts).toBe(1);
    await t.finish();
  });

  it('folds a burst of refusals during a run into one run after it, no sooner than the gap', async () => {
    const t = controlledTask();
    const runner = new ThrottledTask(t.task, { minGapMs: GAP });
    void runner.run();
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 50; i++) runner.request();
    await vi.advanceTimersByTimeAsync(500);
    await t.finish();
    // Finished 500 ms after it started: the follow-up waits for the rest of the gap.
    expect(t.state.starts).toBe(1);
    await vi.advanceTimersByTimeAsync(GAP - 500 - 1);
    expect(t.state.starts).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.state.starts).toBe(2);
    await t.finish();
    // Nothing was asked after the second run started: no third.
    await vi.advanceTimersByTimeAsync(10 * GAP);
    expect(t.state.starts).toBe(2);
    expect(t.state.maxConcurrent).toBe(1);
  });

  it('keeps refusals that repeat faster than the gap to one run per gap', async () => {
    const t = controlledTask();
    const runner = new ThrottledTask(t.task, { minGapMs: GAP });
    // A refusal every 100 ms for 10 s, each run answering at once.
    for (let ms = 0; ms < 10_000; ms += 100) {
      runner.request();
      while (t.inFlight() > 0) await t.finish();
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(t.state.starts).toBeGreaterThanOrEqual(5);
    expect(t.state.starts).toBeLessThanOrEqual(6);
    expect(t.state.maxConcurrent).toBe(1);
  });

  it('never runs two at once: run() joins the run in flight', async () => {
    const t = controlledTask();
    const runner = new ThrottledTask(t.task, { minGapMs: GAP });
    const first = runner.run();
    const second = runner.run();
    expect(second).toBe(first);
    await vi.advanceTimersByTimeAsync(0);
    expect(t.state.starts).toBe(1);
    await t.finish();
    await expect(first).resolves.toBeUndefined();
    // run() is not held to the gap (the periodic heartbeat, the first one).
    void runner.run();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.state.starts).toBe(2);
    await t.finish();
  });

  it('a run that starts answers the asks waiting for the gap', async () => {
    const t = controlledTask();
    const runner = new ThrottledTask(t.task, { minGapMs: GAP });
    void runner.run();
    await vi.advanceTimersByTimeAsync(0);
    await t.finish();
    runner.request(); // within the gap: scheduled
    void runner.run(); // the periodic heartbeat comes first
    await vi.advanceTimersByTimeAsync(0);
    await t.finish();
    await vi.advanceTimersByTimeAsync(10 * GAP);
    expect(t.state.starts).toBe(2);
  });

  it('after stop(), a scheduled run and later asks do nothing', async () => {
    const t = controlledTask();
    const runner = new ThrottledTask(t.task, { minGapMs: GAP });
    void runner.run();
    await vi.advanceTimersByTimeAsync(0);
    runner.request();
    runner.stop();
    await t.finish();
    runner.request();
    await runner.run();
    await vi.advanceTimersByTimeAsync(10 * GAP);
    expect(t.state.starts).toBe(1);
  });

  it('a failing run rejects run() and does not stop later runs; an ask swallows the failure', async () => {
    const t = controlledTask();
    const runner = new ThrottledTask(t.task, { minGapMs: GAP });
    const failed = runner.run();
    const seen = failed.catch((err: unknown) => err);
    await vi.advanceTimersByTimeAsync(0);
    await t.finish(new Error('boom'));
    expect(await seen).toMatchObject({ message: 'boom' });
    await vi.advanceTimersByTimeAsync(GAP);
    runner.request();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.state.starts).toBe(2);
    await t.finish(new Error('again'));
    await vi.advanceTimersByTimeAsync(0);
  });
});
