import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The process's one registry: what `postern start` serves on metrics.listen. Proxy and agent
 * register their instruments here at import (see proxy.ts, agent.ts); prom-client is a
 * dependency rather than code of ours because its process metrics (CPU, memory, event loop
 * delay, GC, handles) are what Node operators' dashboards already read.
 */
export const registry = new Registry();

let processMetrics = false;

/** CPU, memory, event loop delay, GC: started with the server, not at import, so CLI commands pay nothing. */
export function enableProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: registry, prefix: 'postern_' });
}

/**
 * The sum of values several live objects report, for a gauge read at scrape time: one
 * process may run more than one proxy or agent (tests do), each adding its own reading and
 * taking it back when it closes.
 */
export class Readings<Labels extends string = never> {
  private readonly sources = new Set<() => Iterable<[Record<Labels, string>, number]> | number>();

  /** Adds a source; the function returned removes it. */
  add(read: () => Iterable<[Record<Labels, string>, number]> | number): () => void {
    this.sources.add(read);
    return () => void this.sources.delete(read);
  }

  /** Each distinct label set with the sum of what the sources report for it. */
  collect(): [Record<Labels, string>, number][] {
    const sums = new Map<string, [Record<Labels, string>, number]>();
    for (const read of this.sources) {
      const got = read();
      const entries: Iterable<[Record<Labels, string>, number]> = typeof got === 'number' ? [[{} as Record<Labels, string>, got]] : got;
      for (const [labels, value] of entries) {
        const key = JSON.stringify(Object.entries(labels).sort());
        const sum = sums.get(key);
        if (sum) sum[1] += value;
        else sums.set(key, [labels, value]);
      }
    }
    return [...sums.values()];
  }

  /** The sum over every source and label set, for a gauge without labels. */
  total(): number {
    return this.collect().reduce((sum, [, n]) => sum + n, 0);
  }
}
