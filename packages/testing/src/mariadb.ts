import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { run, runningAsRoot } from '@postern/local-postgres';
import { mariadbdArgs, MARIADB_INSTALL_DB, MARIADBD, MARIADB_CLIENT } from './mariadb-config';
import { startOnFreePort, startThrowaway, writeTlsFiles } from './throwaway-server';

export interface TestMariadb {
  host: '127.0.0.1';
  port: number;
  /** The server's data directory; it lives inside a temporary directory that stop() removes. */
  dataDir: string;
  /** The root account's way in, with no password and no TLS; for the test's own setup. */
  socketPath: string;
  /** As the server reports it, e.g. "10.11.19-MariaDB-0+deb12u1". */
  version: string;
  /** Runs SQL (any number of statements) as root over the unix socket; rejects with the client's error. */
  query(sql: string): Promise<void>;
  /** Runs one statement as root and returns its rows, tab-separated fields as the client prints them. */
  rows(sql: string): Promise<string[][]>;
  /** Kills the server at once and removes its directory; safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartMariadbOptions {
  /** The server certificate and the CA whose client certificates `REQUIRE SUBJECT` users present. */
  tls?: { serverCertPem: string; serverKeyPem: string; clientCaPem: string };
}

const READY_TIMEOUT_MS = 30_000;

/**
 * A throwaway MariaDB on a free loopback port, in a temporary directory: fresh system
 * tables (root@localhost without a password, reachable over the unix socket), TLS when
 * asked, 300 connections and 64 MiB packets for proxy and load tests.
 */
export async function startMariadb(opts: StartMariadbOptions = {}): Promise<TestMariadb> {
  let child: ChildProcess | undefined;
  const killSync = (): void => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  };
  return startThrowaway('postern-mariadb-', killSync, async (rootDir) => {
    const dataDir = join(rootDir, 'data');
    const socketPath = join(rootDir, 'mariadb.sock');
    const logFile = join(rootDir, 'mariadb.log');
    await installSystemTables(rootDir, dataDir);
    const tls = opts.tls ? await writeTlsFiles(rootDir, opts.tls) : undefined;

    const port = await startOnFreePort(
      async (port) => {
        child = spawnServer(mariadbdArgs({ dataDir, port, socketPath, logFile, tmpDir: rootDir, tls, asRoot: runningAsRoot() }));
        const ready = await waitUntilReady(child, socketPath);
        return ready === 'ready' ? undefined : `mariadbd did not start (${ready}):`;
      },
      { file: logFile, name: 'mariadb', inUse: /address already in use|bind on tcp\/ip port/i },
    );

    const [[version] = []] = await clientRows(socketPath, 'select version()');
    if (!version) throw new Error('mariadbd started but did not report its version');

    const server = child!;
    return {
      server: {
        host: '127.0.0.1' as const,
        port,
        dataDir,
        socketPath,
        version,
        query: async (sql: string) => {
          await clientRows(socketPath, sql);
        },
        rows: (sql: string) => clientRows(socketPath, sql),
      },
      kill: () => killAndWait(server),
    };
  });
}

async function installSystemTables(rootDir: string, dataDir: string): Promise<void> {
  await mkdir(dataDir);
  const result = await run(
    MARIADB_INSTALL_DB,
    [
      '--no-defaults',
      `--datadir=${dataDir}`,
      // root@localhost with an empty password instead of unix_socket authentication,
      // which would tie it to the OS user running the tests.
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
      // Passed on to the bootstrap server: its temporary tables stay in this test's own
      // directory, out of reach of whatever else cleans or shares /tmp (a CI run lost one).
      `--tmpdir=${rootDir}`,
      // The files then belong to whoever runs the tests, root included; the server runs as the same user.
      `--user=${runningAsRoot() ? 'root' : currentUser()}`,
    ],
    { cwd: rootDir, timeoutMs: 120_000 },
  );
  if (result.code !== 0) throw new Error(`mariadb-install-db failed (exit ${result.code}):\n${result.stdout}${result.stderr}`);
}

function spawnServer(args: string[]): ChildProcess {
  // The server's stdout and stderr go to --log-error; nothing to read here.
  const child = spawn(MARIADBD, args, { stdio: 'ignore', cwd: '/' });
  child.on('error', () => {});
  return child;
}

/** Resolves 'ready' once root gets in over the socket, or why not (the server exited, or took too long). */
async function waitUntilReady(child: ChildProcess, socketPath: string): Promise<string> {
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(`exited with ${signal ?? `code ${code}`}`)));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    if (existsSync(socketPath)) {
      const result = await run(MARIADB_CLIENT, clientArgs(socketPath, 'select 1'), { timeoutMs: 10_000 });
      if (result.code === 0) return 'ready';
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      return `no connection within ${READY_TIMEOUT_MS / 1000} s`;
    }
    const settled = await Promise.race([exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 50))]);
    if (settled !== undefined) return settled;
  }
}

function clientArgs(socketPath: string, sql: string): string[] {
  return ['--no-defaults', '--protocol=socket', `--socket=${socketPath}`, '-uroot', '--batch', '--skip-column-names', '--raw', '-e', sql];
}

async function clientRows(socketPath: string, sql: string): Promise<string[][]> {
  const result = await run(MARIADB_CLIENT, clientArgs(socketPath, sql), { timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(`mariadb: ${result.stderr.trim() || `exit ${result.code}`}`);
  return result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t'));
}

function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    // A test server keeps nothing worth a clean shutdown; SIGKILL is instant.
    child.kill('SIGKILL');
  });
}

function currentUser(): string {
  const result = spawnSync('id', ['-un'], { encoding: 'utf8' });
  return result.stdout.trim() || 'mysql';
}
