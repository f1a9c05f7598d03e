import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './run';
import type { RunOptions, RunResult } from './run';

const DEBIAN_PG_ROOT = '/usr/lib/postgresql';

/**
 * The directory holding initdb and pg_ctl: $POSTERN_PG_BIN, else the newest Debian
 * PostgreSQL under /usr/lib/postgresql (they are not on PATH there).
 */
export function pgBinDir(): string {
  const fromEnv = process.env['POSTERN_PG_BIN'];
  if (fromEnv) return fromEnv;
  const versions = existsSync(DEBIAN_PG_ROOT)
    ? readdirSync(DEBIAN_PG_ROOT)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(DEBIAN_PG_ROOT, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined) {
    throw new Error(`no PostgreSQL server binaries under ${DEBIAN_PG_ROOT}; set POSTERN_PG_BIN`);
  }
  return join(DEBIAN_PG_ROOT, newest, 'bin');
}

/** initdb and pg_ctl refuse to run as root, so as root they run as the postgres user. */
export function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}

export function serverCommand(tool: string, args: string[]): { cmd: string; args: string[] } {
  const path = join(pgBinDir(), tool);
  return runningAsRoot()
    ? { cmd: 'runuser', args: ['-u', 'postgres', '--', path, ...args] }
    : { cmd: path, args };
}

export function runServerTool(tool: string, args: string[], opts?: RunOptions): Promise<RunResult> {
  const { cmd, args: fullArgs } = serverCommand(tool, args);
  return run(cmd, fullArgs, opts);
}

let postgresIds: { uid: number; gid: number } | undefined;

/** uid and gid of the postgres account, for chown of files the server must own. */
export async function postgresOwner(): Promise<{ uid: number; gid: number }> {
  if (postgresIds) return postgresIds;
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  if (uid.code !== 0 || gid.code !== 0) {
    throw new Error(`cannot find the postgres account: ${uid.stderr}${gid.stderr}`.trim());
  }
  postgresIds = { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  return postgresIds;
}
