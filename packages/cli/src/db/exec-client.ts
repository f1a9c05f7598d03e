import { spawn } from 'node:child_process';
import os from 'node:os';

/**
 * Runs an interactive client on this terminal and returns the exit code to pass on.
 * Ctrl-C reaches the client from the terminal too (same process group) and means "cancel
 * the query" to psql and mysql, so this process must not die of it meanwhile; a SIGTERM
 * or SIGHUP sent to this process alone is passed on, so the client does not outlive it.
 */
export function execClient(bin: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const child = spawn(bin, args, { stdio: 'inherit', env });
  const ignore = () => {};
  const forward = (s: NodeJS.Signals) => child.kill(s);
  process.on('SIGINT', ignore);
  process.on('SIGQUIT', ignore);
  process.on('SIGTERM', forward);
  process.on('SIGHUP', forward);
  return new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      // A client killed by a signal exits the way a shell reports it: 128 + the signal.
      resolve(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0));
    });
  }).finally(() => {
    process.off('SIGINT', ignore);
    process.off('SIGQUIT', ignore);
    process.off('SIGTERM', forward);
    process.off('SIGHUP', forward);
  });
}
