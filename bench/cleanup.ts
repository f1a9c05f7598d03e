/**
 * Everything the benchmark starts (PostgreSQL, PgBouncer, the two postern processes,
 * a running pgbench) registers a stopper here. They run newest first, once, on the
 * normal end, on an error, and on Ctrl-C/SIGTERM: a benchmark that leaves servers
 * behind would skew the next run's numbers and hold ports.
 */
type Stopper = { name: string; stop: () => Promise<unknown> };

const stoppers: Stopper[] = [];
let running: Promise<void> | undefined;

/** Registers a stopper; the returned function unregisters it (after a stop of one's own). */
export function onCleanup(name: string, stop: () => Promise<unknown>): () => void {
  const entry = { name, stop };
  stoppers.push(entry);
  return () => {
    const i = stoppers.indexOf(entry);
    if (i >= 0) stoppers.splice(i, 1);
  };
}

/** True once cleanup has begun: the run must not start anything new after that. */
export const stopping = (): boolean => running !== undefined;

export function cleanup(): Promise<void> {
  running ??= (async () => {
    while (stoppers.length > 0) {
      const s = stoppers.pop()!;
      try {
        await s.stop();
      } catch (err) {
        // Keep going: the other servers still need stopping.
        console.error(`bench: stopping ${s.name} failed: ${String(err)}`);
      }
    }
  })();
  return running;
}

/** Ctrl-C or a SIGTERM: stop what we started, then leave with the shell's usual code. */
export function cleanupOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal}, stopping what the benchmark started…`);
      void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
}
