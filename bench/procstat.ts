import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Memory and CPU of the processes under test, from /proc. The cluster helpers do not
 * expose their children's pids, but each `postern start` has its own config file on its
 * command line, which is enough to find it.
 */
export interface ProcSample {
  pid: number;
  /** VmRSS, KiB. */
  rssKiB: number;
  /** VmHWM: the peak RSS since the process started, KiB. */
  peakKiB: number;
  /** user + system CPU time so far, seconds. */
  cpuSeconds: number;
  /**
   * The same for the main thread alone (the event loop: relay, HTTP, JavaScript). The rest
   * is other threads: the embedded store's worker, V8's GC helpers, libuv's pool.
   */
  mainCpuSeconds: number;
}

/** The pid of the one process whose argv contains `needle` (not this one, not a shell). */
export function findPid(needle: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone in between
    }
    if (argv.includes(needle)) return Number(entry);
  }
  return undefined;
}

let ticks: number | undefined;
function clockTicks(): number {
  ticks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticks;
}

/** utime + stime of a stat file: fields 14 and 15, counted after the ")" that ends the command name. */
function cpuOf(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

export function sample(pid: number): ProcSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    // The main thread's task id is the pid.
    return { pid, rssKiB: kib('VmRSS'), peakKiB: kib('VmHWM'), cpuSeconds: cpuOf(`/proc/${pid}/stat`), mainCpuSeconds: cpuOf(`/proc/${pid}/task/${pid}/stat`) };
  } catch {
    return undefined;
  }
}

/**
 * A server made of a process and its children, as PostgreSQL is (postmaster, backends): CPU
 * of the process, of its children that are still running, and of those it has reaped
 * (cutime, cstime). No memory figures: the children share one buffer pool, so their RSS
 * does not add up.
 */
export function sampleTree(pid: number): ProcSample | undefined {
  try {
    const own = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = own.slice(own.lastIndexOf(')') + 2).split(' ');
    let cpu = (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / clockTicks();
    for (const child of childrenOf(pid)) {
      try {
        cpu += cpuOf(`/proc/${child}/stat`);
      } catch {
        // exited in between; its time is in our cutime/cstime once reaped
      }
    }
    return { pid, rssKiB: NaN, peakKiB: NaN, cpuSeconds: cpu, mainCpuSeconds: NaN };
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    out.push(
      ...readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .split(' ')
        .filter((x) => x !== '')
        .map(Number),
    );
  }
  return out;
}

/** CPU µs per transaction between two samples of one process: all threads, and the main one. */
export function cpuPerTransaction(before: ProcSample, after: ProcSample, transactions: number): { total: number; main: number } {
  return {
    total: ((after.cpuSeconds - before.cpuSeconds) * 1e6) / transactions,
    main: ((after.mainCpuSeconds - before.mainCpuSeconds) * 1e6) / transactions,
  };
}
