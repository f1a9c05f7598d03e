import { run } from '@postern/testing';

/**
 * PostgreSQL's count of sessions (backends) ever started for one database, from
 * pg_stat_database. Its change over a -C run tells a pooling target from one that makes
 * PostgreSQL start a backend per connection, and shows whether the reuse target really
 * reused: an agent without the feature accepts reuse_connections and ignores it.
 *
 * A backend that exits reports its session at once; one that lives on in a pool reports it
 * when it first goes idle, so the count is exact to within a few.
 */
export async function sessionsStarted(superuserUrl: string, dbName: string): Promise<number | undefined> {
  const r = await run('psql', [superuserUrl, '-XAtc', `select sessions from pg_stat_database where datname = '${dbName}'`], { timeoutMs: 15_000 });
  const n = Number(r.stdout.trim());
  // n/a rather than a failed run: the count explains the numbers, it is not one of them.
  return r.code === 0 && r.stdout.trim() !== '' && Number.isFinite(n) ? n : undefined;
}
