import { AuditError } from './errors';
import type { AuditEvent } from './schema';

/** Writes events to the store. Must be all-or-nothing per call: a rejected call is retried with the same batch. */
export type AuditSink = (events: AuditEvent[]) => Promise<void>;

export interface AuditBatcherOptions {
  /** Most events per sink call. Default 500. */
  maxBatch?: number;
  /** How long a partial batch waits for company before it is written. Default 50 ms. */
  flushIntervalMs?: number;
  /** Most events waiting for the sink (queued plus in flight) before emit refuses. Default 100,000. */
  maxBuffered?: number;
  /** First retry delay after a sink failure; doubles per consecutive failure. Default 100 ms. */
  retryBaseMs?: number;
  /** Cap on the retry delay. Default 10 s. */
  retryMaxMs?: number;
  /** Told about every sink failure, with the number of events still waiting. */
  onError?: (err: unknown, pending: number) => void;
}

interface Waiter {
  target: number;
  resolve: () => void;
  reject: (err: AuditError) => void;
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative number, got ${value}`);
  return value;
}

/**
 * Delivers audit events to a sink in batches, in order, exactly once per successful sink
 * call. One insert per query would cap the data path near 1,400 queries/s (Prisma costs
 * ≈0.7 ms per create); a batch of 500 costs about as much as one.
 *
 * One sink call is in flight at a time, so batches reach the store in emission order. A
 * failed call is retried with the same events, with exponential backoff, for as long as it
 * takes: events are never dropped. When too many wait, emit() throws, and callers refuse
 * new sessions rather than let them run unaudited.
 */
export class AuditBatcher {
  readonly #sink: AuditSink;
  readonly #maxBatch: number;
  readonly #flushIntervalMs: number;
  readonly #maxBuffered: number;
  readonly #retryBaseMs: number;
  readonly #retryMaxMs: number;
  readonly #onError: ((err: unknown, pending: number) => void) | undefined;

  /** Emitted, not yet handed to the sink. */
  #queue: AuditEvent[] = [];
  /** Handed to the sink and not yet acknowledged; kept until it is, for the retry. */
  #inflight: AuditEvent[] | undefined;
  #emitted = 0;
  #delivered = 0;
  #failures = 0;
  #waiters: Waiter[] = [];

  /** Waits for a partial batch to fill. */
  #intervalTimer: ReturnType<typeof setTimeout> | undefined;
  /** Waits out a retry delay; `#wake` ends the wait early on stop. */
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #wake: (() => void) | undefined;

  #running = false;
  #closed = false;
  #stopped = false;

  constructor(sink: AuditSink, opts: AuditBatcherOptions = {}) {
    this.#sink = sink;
    this.#maxBatch = positiveInt('maxBatch', opts.maxBatch ?? 500);
    this.#flushIntervalMs = nonNegative('flushIntervalMs', opts.flushIntervalMs ?? 50);
    this.#maxBuffered = positiveInt('maxBuffered', opts.maxBuffered ?? 100_000);
    this.#retryBaseMs = nonNegative('retryBaseMs', opts.retryBaseMs ?? 100);
    this.#retryMaxMs = nonNegative('retryMaxMs', opts.retryMaxMs ?? 10_000);
    this.#onError = opts.onError;
  }

  /** Events emitted and not yet delivered (queued plus in flight). */
  get pending(): number {
    return this.#queue.length + (this.#inflight?.length ?? 0);
  }

  emit(event: AuditEvent): void {
    if (this.#closed) throw new AuditError('audit_closed', 'the audit log is closed');
    if (this.pending >= this.#maxBuffered) {
      throw new AuditError(
        'audit_backpressure',
        `the audit log is not keeping up: ${this.pending} events are waiting to be stored`,
      );
    }
    this.#queue.push(event);
    this.#emitted += 1;
    if (this.#running) return; // the delivery loop picks it up
    if (this.#queue.length >= this.#maxBatch) this.#start();
    else this.#intervalTimer ??= setTimeout(() => this.#start(), this.#flushIntervalMs);
  }

  /** Resolves once every event emitted before this call has been delivered. */
  flush(): Promise<void> {
    const target = this.#emitted;
    if (this.#delivered >= target) return Promise.resolve();
    if (this.#stopped) return Promise.reject(this.#undelivered());
    const done = new Promise<void>((resolve, reject) => this.#waiters.push({ target, resolve, reject }));
    this.#start();
    return done;
  }

  /**
   * Refuses further events, delivers the rest, then stops all timers. With `timeoutMs`,
   * gives up after that long (for a shutdown that must finish while the store is down)
   * and rejects with audit_undelivered; the undelivered events are still in `pending`.
   */
  async close(opts: { timeoutMs?: number } = {}): Promise<void> {
    this.#closed = true;
    const drained = this.flush();
    if (opts.timeoutMs === undefined) {
      await drained;
      this.#stop();
      return;
    }
    let deadline: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      deadline = setTimeout(() => resolve('timeout'), opts.timeoutMs);
    });
    const outcome = await Promise.race([
      drained.then(
        () => 'drained' as const,
        () => 'timeout' as const,
      ),
      timedOut,
    ]);
    clearTimeout(deadline);
    this.#stop();
    if (outcome === 'timeout') throw this.#undelivered();
  }

  #undelivered(): AuditError {
    return new AuditError('audit_undelivered', `${this.pending} audit events were not delivered before shutdown`);
  }

  #start(): void {
    if (this.#intervalTimer !== undefined) {
      clearTimeout(this.#intervalTimer);
      this.#intervalTimer = undefined;
    }
    if (this.#running || this.#stopped) return;
    this.#running = true;
    void this.#run();
  }

  async #run(): Promise<void> {
    try {
      while (!this.#stopped) {
        if (this.#inflight === undefined) {
          if (this.#queue.length === 0) break;
          this.#inflight = this.#queue.splice(0, this.#maxBatch);
        }
        const batch = this.#inflight;
        try {
          // A copy, so a sink that consumes its argument cannot change what a retry sends.
          await this.#sink(batch.slice());
        } catch (err) {
          this.#failures += 1;
          this.#report(err);
          await this.#sleep(this.#retryDelay());
          continue;
        }
        this.#inflight = undefined;
        this.#failures = 0;
        this.#delivered += batch.length;
        this.#settleWaiters();
        // A partial batch waits for the interval unless someone is waiting for it.
        const urgent = this.#queue.length >= this.#maxBatch || this.#waiters.length > 0;
        if (!urgent) break;
      }
    } finally {
      this.#running = false;
      if (!this.#stopped && this.#queue.length > 0) {
        this.#intervalTimer ??= setTimeout(() => this.#start(), this.#flushIntervalMs);
      }
    }
  }

  #retryDelay(): number {
    return Math.min(this.#retryMaxMs, this.#retryBaseMs * 2 ** (this.#failures - 1));
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
      this.#retryTimer = setTimeout(resolve, ms);
    }).then(() => {
      this.#retryTimer = undefined;
      this.#wake = undefined;
    });
  }

  #report(err: unknown): void {
    if (!this.#onError) return;
    try {
      this.#onError(err, this.pending);
    } catch {
      // A broken error handler must not stop delivery.
    }
  }

  #settleWaiters(): void {
    const stillWaiting: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (this.#delivered >= waiter.target) waiter.resolve();
      else stillWaiting.push(waiter);
    }
    this.#waiters = stillWaiting;
  }

  #stop(): void {
    this.#stopped = true;
    if (this.#intervalTimer !== undefined) clearTimeout(this.#intervalTimer);
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#intervalTimer = undefined;
    this.#retryTimer = undefined;
    this.#wake?.();
    // Nobody may wait forever on a batcher that will not deliver again.
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(this.#undelivered());
  }
}
