import { expect } from 'vitest';

/** One scrape of GET /metrics: each sample line as `name{labels}` → value. */
export async function scrape(baseUrl: string): Promise<Map<string, number>> {
  const res = await fetch(`${baseUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** A sample's value, 0 when the series does not exist yet (a counter nobody has touched). */
export function sampleValue(samples: Map<string, number>, series: string): number {
  return samples.get(series) ?? 0;
}

/** Scrapes until `check` holds (a gauge settling after the fact); fails with `what` after 10 s. */
export async function scrapeUntil(baseUrl: string, check: (samples: Map<string, number>) => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check(await scrape(baseUrl))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
