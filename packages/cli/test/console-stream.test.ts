import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleClient } from './helpers/console';
import { startPgStack, type PgStack } from './helpers/pg-stack';

const ROWS = 3_000_000;
/** How much either process may grow over its baseline while the result flows. */
const BOUND_MIB = 150;

/** The process whose command line is `… postern start --config FILE`. */
function pidOf(configFile: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmd.includes('start') && cmd.includes(configFile)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no process runs postern start --config ${configFile}`);
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * A result of millions of rows through the console, read slowly by credit: neither the
 * agent (driver, cursor) nor the proxy (WebSocket relay) may hold more than a window of it.
 */
describe('console streaming memory', () => {
  let stack: PgStack;
  let con: ConsoleClient;

  beforeAll(async () => {
    stack = await startPgStack();
    const browser = await stack.signIn('alice');
    con = await browser.open({ db_service: 'demo', db_user: 'alice', db_name: 'app' });
  });

  afterAll(async () => {
    con?.ws.terminate();
    await stack?.stop();
  });

  it(`keeps the agent and the proxy under +${BOUND_MIB} MiB while ${ROWS.toLocaleString('en')} rows flow`, { timeout: 300_000 }, async () => {
    const pids = { agent: pidOf(stack.agentConfigFile), proxy: pidOf(stack.c.configFile) };
    // Warm up (JIT, pools, TLS sessions), then take the baseline.
    await con.run('select g, md5(g::text) from generate_series(1, 50000) g', { rows: 5000 });
    await new Promise((r) => setTimeout(r, 500));
    const base = { agent: rssMiB(pids.agent), proxy: rssMiB(pids.proxy) };
    const peak = { ...base };
    const sample = () => {
      for (const k of ['agent', 'proxy'] as const) peak[k] = Math.max(peak[k], rssMiB(pids[k]));
    };
    const sampler = setInterval(sample, 100);

    const started = Date.now();
    const id = con.start(`select g, md5(g::text) as h from generate_series(1, ${ROWS}) g`, 2000);
    let received = 0;
    let asked = 2000;
    let firstRowMs = 0;
    let done: { rowCount: number | null } | undefined;
    try {
      while (!done) {
        const m = await con.next((x) => 'id' in x && x.id === id && (x.type === 'rows' || x.type === 'done' || x.type === 'error'), 60_000);
        if (m.type === 'error') throw new Error(m.message);
        if (m.type === 'done') {
          done = m;
          break;
        }
        if (m.type !== 'rows') continue;
        if (received === 0) firstRowMs = Date.now() - started;
        received += m.rows.length;
        // Read slowly: ask for the next window only once this one is in, and pause now and then.
        if (received >= asked) {
          if ((asked / 5000) % 20 === 0) await new Promise((r) => setTimeout(r, 50));
          con.send({ type: 'fetch', id, rows: 5000 });
          asked += 5000;
        }
        // In the middle, stop reading for a while: nothing may pile up anywhere.
        if (received >= ROWS / 2 && received - m.rows.length < ROWS / 2) {
          sample();
          const before = { ...peak };
          await new Promise((r) => setTimeout(r, 2000));
          sample();
          expect(peak.agent - before.agent).toBeLessThan(20);
          expect(peak.proxy - before.proxy).toBeLessThan(20);
        }
      }
    } finally {
      clearInterval(sampler);
    }
    const seconds = (Date.now() - started) / 1000;
    sample();
    console.log(
      JSON.stringify({
        rows: received,
        seconds,
        rowsPerSecond: Math.round(received / seconds),
        firstRowMs,
        baseMiB: { agent: Math.round(base.agent), proxy: Math.round(base.proxy) },
        peakMiB: { agent: Math.round(peak.agent), proxy: Math.round(peak.proxy) },
      }),
    );
    expect(received).toBe(ROWS);
    expect(done.rowCount).toBe(ROWS);
    expect(peak.agent - base.agent).toBeLessThan(BOUND_MIB);
    expect(peak.proxy - base.proxy).toBeLessThan(BOUND_MIB);
  });
});
