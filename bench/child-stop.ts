import type { ChildProcess } from 'node:child_process';
import { onCleanup } from './cleanup';

/**
 * Stops a server the bench started: SIGTERM, SIGKILL after 5 s, resolved once it exited.
 * Registered for the bench's cleanup (end, error, Ctrl-C) under `name`.
 */
export function stopOnCleanup(name: string, child: ChildProcess): () => Promise<void> {
  const exited = new Promise<void>((res) => {
    if (child.exitCode !== null || child.signalCode !== null) res();
    else child.once('exit', () => res());
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };
  onCleanup(name, stop);
  return stop;
}
