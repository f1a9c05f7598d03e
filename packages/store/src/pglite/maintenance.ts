/**
 * What maintenance needs: one statement at a time, each complete before the next. The
 * store gives it its pg pool (one connection to the store's thread), so a round never lands
 * between another client's Parse and Bind or inside its transaction; tests give it a PGlite.
 */
export interface MaintenanceConnection {
  query<T>(sql: string): Promise<{ rows: T[] }>;
}

export interface MaintenanceOptions {
  /** How often to look. Default 10 s. */
  intervalMs?: number;
  /** WAL written since the last checkpoint that triggers one. Default 64 MiB. */
  maxWalBytes?: number;
  /** Told when a step fails; the next tick tries again. */
  onError?: (err: unknown) => void;
}

export interface Maintenance {
  /** Runs one round now (what the timer runs); resolves when it is done. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

const WAL_SINCE_CHECKPOINT = `
  select pg_wal_lsn_diff(pg_current_wal_lsn(), redo_lsn)::float8 as bytes from pg_control_checkpoint()`;

// Tables that grew by a tenth (and at least 1 MiB) since ANALYZE last counted their pages:
// autovacuum's analyze threshold, measured in pages because PGlite's row counters
// (pg_stat_user_tables) are not kept up to date. Every table here only grows or barely
// changes, and the one that matters, audit_events, is append-only.
const GROWN_TABLES = `
  select format('%I.%I', n.nspname, c.relname) as name
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where c.relkind = 'r' and n.nspname = current_schema()
     and pg_relation_size(c.oid) / current_setting('block_size')::int > greatest(c.relpages, 0) * 1.1 + 128`;

/**
 * What PostgreSQL's background processes would do, for PGlite, which runs PostgreSQL as one
 * standalone backend without them. Measured on PGlite 0.4.3 with audit_events:
 *
 * - no checkpointer: WAL piles up until the store is closed, and after about 500 MB of it
 *   (some 350,000 events) the next INSERT spun for minutes; with a checkpoint every
 *   50,000 events it never did. So: a checkpoint once 64 MiB of WAL is written.
 * - no autovacuum: the planner never gets statistics, guesses that any ILIKE matches a few
 *   hundred rows, and a search for a common fragment of SQL read half a million rows
 *   through the trigram index (2.5 s at 1M events) where, with statistics, it walks the
 *   time index and stops after a page (5 ms). So: ANALYZE a table that grew by a tenth,
 *   about 2 s at 1M events (its sample is 30,000 rows whatever the size).
 *
 * PGlite has one session. Statements sent straight to it from its thread could land
 * between the messages of a socket client's statement (replacing its unnamed prepared
 * statement) or inside its transaction, so they go through the store's own connection.
 */
export function startMaintenance(db: MaintenanceConnection, opts: MaintenanceOptions = {}): Maintenance {
  const maxWalBytes = opts.maxWalBytes ?? 64 * 1024 * 1024;
  let running: Promise<void> | undefined;
  let stopped = false;

  const round = async (): Promise<void> => {
    for (const { name } of (await db.query<{ name: string }>(GROWN_TABLES)).rows) {
      if (stopped) return;
      await db.query(`analyze ${name}`);
    }
    const wal = (await db.query<{ bytes: number }>(WAL_SINCE_CHECKPOINT)).rows[0]?.bytes ?? 0;
    if (wal >= maxWalBytes && !stopped) await db.query('checkpoint');
  };
  const tick = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    // One round at a time: a slow ANALYZE must not pile rounds up behind it.
    running ??= round()
      .catch((err: unknown) => opts.onError?.(err))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void tick(), opts.intervalMs ?? 10_000);
  // The store's owner decides when the process ends, not this timer.
  timer.unref();
  return {
    tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
