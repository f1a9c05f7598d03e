/**
 * Servers that a test forgot to stop (or that a failing test left behind) would outlive
 * the test process and pile up. Every running instance registers a synchronous stopper
 * here, and all of them run when the process exits.
 */
const stoppers = new Set<() => void>();
let hooked = false;

export function registerCleanup(stopSync: () => void): () => void {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const stop of stoppers) {
        try {
          stop();
        } catch {
          // Best effort: the process is going away either way.
        }
      }
    });
  }
  stoppers.add(stopSync);
  return () => stoppers.delete(stopSync);
}
