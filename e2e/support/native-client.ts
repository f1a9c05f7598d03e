import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { run, type RunResult } from '@postern/testing';
import { POSTERN_BIN } from '../../packages/cli/test/helpers/cluster';
import { totpNow } from './fixtures';
import type { StackState, StackUser } from './stack-state';

/** A person at a terminal: `postern login`, `postern db login`, then real psql. */
export async function psqlAs(stack: StackState, user: StackUser, sql: string): Promise<RunResult> {
  const home = mkdtempSync(path.join(stack.workDir, `home-${user.name}-`));
  const env = { ...process.env, POSTERN_HOME: home, HOME: home, PGSERVICEFILE: path.join(home, 'pg_service.conf') };
  const postern = async (args: string[], input?: string) => {
    const r = await run(process.execPath, [POSTERN_BIN, ...args], { env, input, timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`postern ${args[0]} ${args[1] ?? ''}: ${r.stderr}`);
  };
  await postern(['login', '--proxy', stack.proxyAddr, '--ca-file', stack.hostCaFile, '--user', user.name, '--password-stdin', '--otp', totpNow(user.totpSecret)], user.password);
  await postern(['db', 'login', stack.allowedDb, '--db-user', stack.dbUser, '--db-name', stack.dbName]);
  return run('psql', [`service=postern-${stack.allowedDb}`, '-X', '-At', '-c', sql], { env, timeoutMs: 30_000 });
}
