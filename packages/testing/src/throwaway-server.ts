import { rmSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@postern/local-postgres';
import { registerCleanup } from './cleanup-registry';

// What every throwaway database server of the tests (PostgreSQL, MariaDB) does the same
// way: a temporary directory that goes with it, a free port (retried when someone took it
// first), TLS files, and a stop that runs once, or at process exit when a test forgot.

const PORT_ATTEMPTS = 3;
const LOG_TAIL_LINES = 30;

export interface ThrowawayServer {
  /** Kills the server at once and removes its directory; safe to call more than once. */
  stop(): Promise<void>;
}

export interface ThrowawayLifecycle<T> {
  /** The running server, as the test sees it (without stop, which this adds). */
  server: T;
  /** Kills the server; its directory is removed after. */
  kill(): Promise<void>;
}

/**
 * Runs `start` in a fresh temporary directory named after `prefix`. When `start` throws,
 * or the process exits before stop(), `killSync` kills what it started and the directory
 * is removed; stop() kills the server with `kill` and removes the directory, once.
 */
export async function startThrowaway<T extends object>(
  prefix: string,
  killSync: (rootDir: string) => void,
  start: (rootDir: string) => Promise<ThrowawayLifecycle<T>>,
): Promise<T & ThrowawayServer> {
  const rootDir = await mkdtemp(join(tmpdir(), prefix));
  const stopSync = (): void => {
    // At process exit nothing asynchronous runs any more: a synchronous kill and rm.
    killSync(rootDir);
    rmSync(rootDir, { recursive: true, force: true });
  };
  const unregister = registerCleanup(stopSync);

  try {
    const { server, kill } = await start(rootDir);
    let stopping: Promise<void> | undefined;
    return {
      ...server,
      stop: () => {
        stopping ??= (async () => {
          unregister();
          await kill();
          await rm(rootDir, { recursive: true, force: true });
        })();
        return stopping;
      },
    };
  } catch (err) {
    unregister();
    stopSync();
    throw err;
  }
}

/**
 * Starts a server on a free port: `attempt` starts it on the port and resolves undefined
 * when it runs, or what failed. freePort() cannot reserve the port, so someone may have
 * taken it in between: when the log says so (`inUse`), another port is tried. Resolves
 * with the port; otherwise rejects with the failure and the tail of the log.
 */
export async function startOnFreePort(
  attempt: (port: number) => Promise<string | undefined>,
  log: { file: string; name: string; inUse: RegExp },
): Promise<number> {
  for (let n = 1; ; n++) {
    const port = await freePort();
    const failure = await attempt(port);
    if (failure === undefined) return port;
    const tail = await logTail(log.file);
    if (n < PORT_ATTEMPTS && log.inUse.test(tail)) continue;
    throw new Error(`${failure}\n--- ${log.name} log ---\n${tail}`);
  }
}

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
}

/** The server's certificate and key, and the CA its clients' certificates are checked against, as files in `dir`. */
export async function writeTlsFiles(dir: string, tls: { serverCertPem: string; serverKeyPem: string; clientCaPem: string }): Promise<TlsFiles> {
  const files = { certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key'), caFile: join(dir, 'client-ca.crt') };
  await writeFile(files.certFile, tls.serverCertPem);
  await writeFile(files.caFile, tls.clientCaPem);
  // Servers refuse a key that others can read.
  await writeFile(files.keyFile, tls.serverKeyPem, { mode: 0o600 });
  await chmod(files.keyFile, 0o600);
  return files;
}

/** The last lines of a server's log, for an error message. */
export async function logTail(logFile: string): Promise<string> {
  try {
    const text = await readFile(logFile, 'utf8');
    return text.trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
  } catch {
    return '(no log written)';
  }
}
