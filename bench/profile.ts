import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * BENCH_CPU_PROF=1: V8 CPU profiles of the proxy and agent processes over the Postern
 * runs, summarised by where the self time goes. Profiling slows those processes, so
 * the Postern numbers of such a run are not for comparing.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
export const PROFILE_DIR = path.join(here, 'results', 'profiles');
const PRELOAD = path.join(here, 'cpu-profile-preload.mjs');

export const profiling = (): boolean => Boolean(process.env.BENCH_CPU_PROF);

/** Runs fn (which spawns a postern process) with the profiler preload in its environment. */
export async function withProfiler<T>(fn: () => Promise<T>): Promise<T> {
  if (!profiling()) return fn();
  mkdirSync(PROFILE_DIR, { recursive: true });
  const saved = { opts: process.env.NODE_OPTIONS, dir: process.env.BENCH_CPU_PROF_DIR };
  process.env.NODE_OPTIONS = `${saved.opts ?? ''} --import ${PRELOAD}`.trim();
  process.env.BENCH_CPU_PROF_DIR = PROFILE_DIR;
  try {
    return await fn();
  } finally {
    // Only the server processes: the CLI runs that follow should not carry the preload.
    restore('NODE_OPTIONS', saved.opts);
    restore('BENCH_CPU_PROF_DIR', saved.dir);
  }
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/** Sends the preload's start/stop signal; the second one writes PROFILE_DIR/<pid>.cpuprofile. */
export function toggleProfiler(pid: number | undefined): void {
  if (profiling() && pid !== undefined) process.kill(pid, 'SIGUSR2');
}

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** Which package or Postern module a script belongs to; the unit one can act on. */
function area(url: string): string {
  if (url.startsWith('node:')) return url;
  const mod = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (mod) return mod[1]!;
  const own = /\/(apps|packages)\/([^/]+)\//.exec(url);
  return own ? `postern ${own[1]}/${own[2]}` : url.replace(/^file:\/\//, '');
}

/**
 * Top entries by self time, by area and by function, as markdown lines; idle time left
 * out. Native frames (fsync, writeBuffer) and WebAssembly have no script of their own,
 * so they are put down to the nearest JavaScript caller's area: "fsync ← postern apps/agent".
 */
export function summariseProfile(pid: number, top = 12): string[] {
  const file = path.join(PROFILE_DIR, `${pid}.cpuprofile`);
  if (!existsSync(file)) return [`(no profile written for pid ${pid})`];
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const isScript = (f: CallFrame) => f.url !== '' && !f.url.startsWith('wasm://');
  // Past node's own modules too: "fsync ← node:fs" says less than "fsync ← postern apps/agent".
  const caller = (id: number): string => {
    let internal: string | undefined;
    for (let cur = parent.get(id); cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!;
      if (!isScript(f)) continue;
      if (!f.url.startsWith('node:')) return area(f.url);
      internal ??= f.url;
    }
    return internal ?? '?';
  };
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let busy = 0;
  p.samples.forEach((id, i) => {
    const f = byId.get(id);
    const dt = p.timeDeltas[i] ?? 0;
    if (!f || f.functionName === '(idle)') return;
    busy += dt;
    const vm = f.functionName.startsWith('('); // (garbage collector), (program)
    const a = isScript(f) ? area(f.url) : vm ? f.functionName : `${f.url.startsWith('wasm://') ? 'wasm' : f.functionName} ← ${caller(id)}`;
    areas.set(a, (areas.get(a) ?? 0) + dt);
    const name = isScript(f) ? `${a} · ${f.functionName || '(anonymous)'} ${path.basename(f.url)}:${f.lineNumber + 1}` : a;
    fns.set(name, (fns.get(name) ?? 0) + dt);
  });
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, top)
      .map(([k, v]) => `  ${((v / busy) * 100).toFixed(1).padStart(5)}%  ${k}`);
  return [`busy ${(busy / 1e6).toFixed(1)} s (${file})`, ' by area:', ...rank(areas), ' by function:', ...rank(fns)];
}
