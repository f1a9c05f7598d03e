import { spawn } from 'node:child_process';
import pg from 'pg';
import { expect } from 'vitest';

/**
 * Runs `select pg_sleep(60)` in psql through Postern, presses Ctrl-C once the query is
 * running at the database, and checks that psql reports it cancelled. Resolves with the
 * pid of the backend that ran it.
 */
export async function expectPsqlCtrlCCancels(env: NodeJS.ProcessEnv, superuserUrl: string, service = 'postern-demo'): Promise<number> {
  const child = spawn('psql', [`service=${service}`, '-X', '-c', 'select pg_sleep(60)'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    // Ctrl-C only once the query runs: on a loaded machine the session may still be starting.
    const admin = new pg.Client({ connectionString: superuserUrl });
    await admin.connect();
    let pid: number | undefined;
    try {
      for (let i = 0; i < 300 && pid === undefined; i++) {
        const { rows } = await admin.query<{ pid: number }>("select pid from pg_stat_activity where query like 'select pg_sleep(60)%' and state = 'active'");
        pid = rows[0]?.pid;
        if (pid === undefined) await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await admin.end();
    }
    expect(pid, `the query never started; psql said: ${stderr}`).toBeDefined();
    const interruptedAt = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    expect(stderr).toMatch(/canceling statement due to user request/);
    expect(code).not.toBe(0);
    expect(Date.now() - interruptedAt).toBeLessThan(10_000);
    return pid!;
  } finally {
    child.kill('SIGKILL');
  }
}
