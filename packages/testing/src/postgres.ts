import { spawnSync } from 'node:child_process';
import { appendFile, chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { registerCleanup } from './cleanup-registry';
import { freePort } from '@postern/local-postgres';
import { postgresOwner, runServerTool, runningAsRoot, serverCommand } from '@postern/local-postgres';
import { renderHba, renderPostgresConf } from './postgres-config';

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

const PORT_ATTEMPTS = 3;
const LOG_TAIL_LINES = 30;

export async function startPostgres(opts: StartPostgresOptions = {}): Promise<TestPostgres> {
  if (opts.certAuth && !opts.tls) throw new Error('startPostgres: certAuth needs tls');

  const rootDir = await mkdtemp(join(tmpdir(), 'postern-pg-'));
  const dataDir = join(rootDir, 'data');
  const logFile = join(rootDir, 'postgres.log');
  let started = false;
  const stopSync = (): void => {
    if (started) spawnStop(dataDir);
    rmSync(rootDir, { recursive: true, force: true });
  };
  const unregister = registerCleanup(stopSync);

  try {
    if (runningAsRoot()) await chownToPostgres(rootDir);
    await initdb(rootDir, dataDir);
    const tlsFiles = opts.tls ? await writeTlsFiles(rootDir, opts.tls) : undefined;
    await writeFile(join(dataDir, 'pg_hba.conf'), renderHba(opts.certAuth ?? false));
    // Our settings go to a file of their own so a retry on another port can rewrite them.
    await appendFile(join(dataDir, 'postgresql.conf'), "\ninclude_if_exists = 'postern.conf'\n");

    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const conf = renderPostgresConf({ port, socketDir: rootDir, tls: tlsFiles });
      await writeFile(join(dataDir, 'postern.conf'), conf);
      const result = await runServerTool('pg_ctl', ['-w', '-t', '60', '-D', dataDir, '-l', logFile, 'start'], {
        cwd: rootDir,
        timeoutMs: 90_000,
      });
      if (result.code === 0) break;
      const tail = await logTail(logFile);
      // freePort() cannot reserve the port; someone may have taken it in between.
      if (attempt < PORT_ATTEMPTS && /address already in use/i.test(tail)) continue;
      throw new Error(`pg_ctl start failed (exit ${result.code}): ${result.stderr.trim()}\n--- postgres log ---\n${tail}`);
    }
    started = true;

    const superuserUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    await waitUntilReady(superuserUrl, logFile);

    let stopping: Promise<void> | undefined;
    return {
      host: '127.0.0.1',
      port,
      dataDir,
      superuserUrl,
      query: (sql) => superuserQuery(superuserUrl, sql),
      stop: () => {
        stopping ??= (async () => {
          unregister();
          await runServerTool('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], { cwd: rootDir, timeoutMs: 30_000 });
          started = false;
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

async function writeTlsFiles(
  rootDir: string,
  tls: NonNullable<StartPostgresOptions['tls']>,
): Promise<{ certFile: string; keyFile: string; caFile: string }> {
  const files = {
    certFile: join(rootDir, 'server.crt'),
    keyFile: join(rootDir, 'server.key'),
    caFile: join(rootDir, 'client-ca.crt'),
  };
  await writeFile(files.certFile, tls.serverCertPem);
  await writeFile(files.caFile, tls.clientCaPem);
  // PostgreSQL refuses a key that others can read, and wants it owned by its own user.
  await writeFile(files.keyFile, tls.serverKeyPem, { mode: 0o600 });
  await chmod(files.keyFile, 0o600);
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

async function logTail(logFile: string): Promise<string> {
  try {
    const text = await readFile(logFile, 'utf8');
    return text.trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
  } catch {
    return '(no log written)';
  }
}

/** Used at process exit, where nothing asynchronous runs any more. */
function spawnStop(dataDir: string): void {
  const { cmd, args } = serverCommand('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
  spawnSync(cmd, args, { stdio: 'ignore', timeout: 15_000, cwd: '/' });
}
