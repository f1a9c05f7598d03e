import { spawn } from 'node:child_process';
import { onCleanup } from './cleanup';

export interface PgbenchResult {
  tps: number;
  /** pgbench's "latency average", in ms. */
  latencyMs: number | undefined;
  failed: number;
  /** Transactions done in the run, to put CPU time per transaction. */
  transactions: number;
  /** PostgreSQL backends started during the run (run.ts, for workloads with countBackends). */
  backendsStarted?: number;
}

export interface PgbenchRun {
  /** A libpq conninfo string: `service=…` or `host=… sslcert=…`. */
  conninfo: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
}

/**
 * Runs pgbench to completion. Not @postern/testing's run(): that gives no handle on the
 * child, and a Ctrl-C in the middle of a 15 s run should stop pgbench too.
 */
export function pgbench(r: PgbenchRun): Promise<ToolResult> {
  return runTool('pgbench', [...r.args, r.conninfo], r.env, r.timeoutMs);
}

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a load generator (pgbench, mariadb-slap) to completion; killed on cleanup and on timeout. */
export function runTool(cmd: string, args: string[], env: NodeJS.ProcessEnv | undefined, timeoutMs: number): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const exited = new Promise<void>((res) => child.once('close', () => res()));
    const unregister = onCleanup(cmd, async () => {
      child.kill('SIGKILL');
      await exited;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      unregister();
      reject(new Error(`cannot start ${cmd}: ${e.message}`, { cause: e }));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      unregister();
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/**
 * Reads pgbench 15's summary. Older pgbench printed two tps lines ("including/excluding
 * connections establishing"); the excluding one is what compares across proxies, so it
 * wins when present. pgbench 15 prints one "tps = … (without initial connection time)",
 * or with -C "(including reconnection times)", which is what -C is meant to measure.
 */
export function parsePgbench(stdout: string): PgbenchResult {
  const excluding = /^tps = ([\d.]+) \(excluding connections establishing\)/m.exec(stdout);
  const plain = /^tps = ([\d.]+)/m.exec(stdout);
  const tps = Number((excluding ?? plain)?.[1]);
  if (!Number.isFinite(tps)) throw new Error(`no "tps =" line in pgbench's output:\n${stdout}`);
  const latency = /^latency average = ([\d.]+) ms/m.exec(stdout);
  const failed = /^number of failed transactions: (\d+)/m.exec(stdout);
  const done = /^number of transactions actually processed: (\d+)/m.exec(stdout);
  return {
    tps,
    latencyMs: latency ? Number(latency[1]) : undefined,
    failed: failed ? Number(failed[1]) : 0,
    transactions: done ? Number(done[1]) : 0,
  };
}
