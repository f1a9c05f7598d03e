export interface ThrottledTaskOptions {
  /** At least this long between the starts of two runs that request() asked for. */
  minGapMs: number;
}

/**
 * Runs an async task (the agent's heartbeat) when asked, but never two runs at once and, for
 * runs asked for by events, not more often than once per minGapMs: a proxy that refuses every
 * reconnect of the tunnel must not turn into a storm of calls to the Auth Service. Asks that
 * arrive while a run is in flight or too soon after one are folded into a single later run,
 * so the last ask is always answered by a run that started after it.
 */
export class ThrottledTask {
  private inflight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** An ask arrived while a run was in flight: run once more after it. */
  private askedDuringRun = false;
  private lastStart = Number.NEGATIVE_INFINITY;
  private stopped = false;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly opts: ThrottledTaskOptions,
  ) {}

  /**
   * Runs the task now, or joins the run in flight; no gap applies (the first heartbeat, the
   * periodic one). Rejects if the task does. After stop(), resolves without running.
   */
  run(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.inflight ??= this.start();
    return this.inflight;
  }

  /** Asks for a run soon: at once if the gap allows, else one run when it does. Never rejects. */
  request(): void {
    if (this.stopped || this.timer) return;
    if (this.inflight) {
      this.askedDuringRun = true;
      return;
    }
    const wait = this.lastStart + this.opts.minGapMs - Date.now();
    if (wait <= 0) {
      this.runAsked();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.runAsked();
    }, wait);
    this.timer.unref();
  }

  /** No runs from now on; one in flight finishes. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private runAsked(): void {
    // The task reports its own failures; an ask has no caller to hand them to.
    this.run().catch(() => undefined);
  }

  private async start(): Promise<void> {
    // This run starts after every ask so far, so it answers them all.
    clearTimeout(this.timer);
    this.timer = undefined;
    this.askedDuringRun = false;
    this.lastStart = Date.now();
    try {
      // Behind a then(): even a task that throws synchronously ends after run() recorded it as in flight.
      await Promise.resolve().then(() => this.task());
    } finally {
      this.inflight = undefined;
      if (this.askedDuringRun) {
        this.askedDuringRun = false;
        this.request();
      }
    }
  }
}
