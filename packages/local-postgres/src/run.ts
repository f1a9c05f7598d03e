import { spawn } from 'node:child_process';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Default 60 s. On expiry the process is killed and `code` is null. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Runs a command to completion and collects its output. A non-zero exit is a result, not
 * an error, because tests usually want to assert on it; only a command that cannot be
 * started at all (e.g. not on PATH) rejects.
 */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);

    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`run: cannot start ${cmd}: ${err.message}`, { cause: err }));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      let err = Buffer.concat(stderr).toString('utf8');
      // The interface has no timeout flag; say so where a failing test will print it.
      if (timedOut) err += `\n[run: ${cmd} killed after ${timeoutMs} ms]`;
      resolve({ code: timedOut ? null : code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: err });
    });

    // A child that exits without reading its stdin makes the write fail with EPIPE; the
    // exit status is what matters then.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}
