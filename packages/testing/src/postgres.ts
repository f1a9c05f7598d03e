import { spawnSync } from 'node:child_process';
import { appendFile, chown, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { postgresOwner, runServerTool, runningAsRoot, serverCommand } from '@postern/local-postgres';
import { renderHba, renderPostgresConf } from './postgres-config';
import { logTail, startOnFreePort, startThrowaway, writeTlsFiles } from './throwaway-server';
import type { TlsFiles } from './throwaway-server';

export interface TestPostgres {
  host: '127.0.0.1';
  port: number;
  /** The server's PGDATA; it lives inside a temporary directory that stop() removes. */
  dataDir: string;
  /** Trusted over the loopback non-SSL line only; for the test's own setup. */
  superuserUrl: string;
  /** Runs SQL as the superuser. */
  query(sql: string): Promise<void>;
  /** Stops the server at once and removes its directory; safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  tls?: { serverCertPem: string; serverKeyPem: string; clientCaPem: string };
  /** Every SSL client must present a certificate from clientCaPem with CN = its user. */
  certAuth?: boolean;
}

export async function startPostgres(opts: StartPostgresOptions = {}): Promise<TestPostgres> {
  if (opts.certAuth && !opts.tls) throw new Error('startPostgres: certAuth needs tls');

  let started = false;
  const killSync = (rootDir: string): void => {
    if (started) spawnStop(join(rootDir, 'data'));
  };
  return startThrowaway('postern-pg-', killSync, async (rootDir) => {
    const dataDir = join(rootDir, 'data');
    const logFile = join(rootDir, 'postgres.log');
    if (runningAsRoot()) await chownToPostgres(rootDir);
    await initdb(rootDir, dataDir);
    const tlsFiles = opts.tls ? await writePostgresTlsFiles(rootDir, opts.tls) : undefined;
    await writeFile(join(dataDir, 'pg_hba.conf'), renderHba(opts.certAuth ?? false));
    // Our settings go to a file of their own so a retry on another port can rewrite them.
    await appendFile(join(dataDir, 'postgresql.conf'), "\ninclude_if_exists = 'postern.conf'\n");

    const port = await startOnFreePort(
      async (port) => {
        await writeFile(join(dataDir, 'postern.conf'), renderPostgresConf({ port, socketDir: rootDir, tls: tlsFiles }));
        const result = await runServerTool('pg_ctl', ['-w', '-t', '60', '-D', dataDir, '-l', logFile, 'start'], {
          cwd: rootDir,
          timeoutMs: 90_000,
        });
        return result.code === 0 ? undefined : `pg_ctl start failed (exit ${result.code}): ${result.stderr.trim()}`;
      },
      { file: logFile, name: 'postgres', inUse: /address already in use/i },
    );
    started = true;

    const superuserUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    await waitUntilReady(superuserUrl, logFile);

    return {
      server: { host: '127.0.0.1' as const, port, dataDir, superuserUrl, query: (sql: string) => superuserQuery(superuserUrl, sql) },
      kill: async () => {
        await runServerTool('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], { cwd: rootDir, timeoutMs: 30_000 });
        started = false;
      },
    };
  });
}

async function initdb(rootDir: string, dataDir: string): Promise<void> {
  const result = await runServerTool(
    'initdb',
    ['-D', dataDir, '--auth=trust', '-U', 'postgres', '--no-sync', '--encoding=UTF8', '--locale=C'],
    { cwd: rootDir, timeoutMs: 120_000 },
  );
  if (result.code !== 0) {
    throw new Error(`initdb failed (exit ${result.code}):\n${result.stdout}${result.stderr}`);
  }
}

/** PostgreSQL also wants the files owned by its own user. */
async function writePostgresTlsFiles(rootDir: string, tls: NonNullable<StartPostgresOptions['tls']>): Promise<TlsFiles> {
  const files = await writeTlsFiles(rootDir, tls);
  if (runningAsRoot()) {
    for (const file of Object.values(files)) await chownToPostgres(file);
  }
  return files;
}

async function chownToPostgres(path: string): Promise<void> {
  const { uid, gid } = await postgresOwner();
  await chown(path, uid, gid);
}

async function superuserQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, ssl: false });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** pg_ctl -w has returned, but make sure a TCP client really gets in before handing out. */
async function waitUntilReady(url: string, logFile: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await superuserQuery(url, 'select 1');
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`postgres did not accept connections: ${String(err)}\n--- postgres log ---\n${await logTail(logFile)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Used at process exit, where nothing asynchronous runs any more. */
function spawnStop(dataDir: string): void {
  const { cmd, args } = serverCommand('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
  spawnSync(cmd, args, { stdio: 'ignore', timeout: 15_000, cwd: '/' });
}
