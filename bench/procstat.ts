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

export function sample(pid: number): ProcSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    // Fields 14 and 15 of /proc/PID/stat, counted after the ")" that ends the command name.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / clockTicks();
    return { pid, rssKiB: kib('VmRSS'), peakKiB: kib('VmHWM'), cpuSeconds };
  } catch {
    return undefined;
  }
}
