import type { Duplex } from 'node:stream';
import { DEFAULT_IDLE_TIMEOUT_MS } from '@postern/console';
import type { DatabaseTarget } from '@postern/engine';
import { servedSession, sessionContext, type SessionDeps } from '../session';
import { FrameChannel } from './channel';
import type { DriverFactory } from './driver';
import { connectMysql } from './mysql-driver';
import { connectPostgres } from './postgres-driver';
import { ConsoleSession } from './session';

export interface ConsoleOptions {
  /** Default DEFAULT_IDLE_TIMEOUT_MS (15 minutes); POSTERN_CONSOLE_IDLE_TIMEOUT_MS overrides it. */
  idleTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** For tests: drivers other than pg and mysql2. */
  drivers?: Partial<Record<'postgres' | 'mysql', DriverFactory>>;
}

const DRIVERS: Record<'postgres' | 'mysql', DriverFactory> = { postgres: connectPostgres, mysql: connectMysql };

/** The console's idle timeout from the environment, when set to a positive number of milliseconds. */
export function consoleIdleTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const n = Number(env.POSTERN_CONSOLE_IDLE_TIMEOUT_MS);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * A browser console session that the proxy carried here (a dial with meta.console): the same
 * certificate check, authorization and audit as a native session, then statements run by the
 * agent's own driver instead of a relayed wire protocol.
 */
export async function runConsole(
  stream: Duplex,
  db: DatabaseTarget,
  meta: { cert?: string; client_addr?: string },
  deps: SessionDeps,
  opts: ConsoleOptions = {},
): Promise<void> {
  await servedSession(db, () => serveConsole(stream, db, meta, deps, opts));
}

async function serveConsole(stream: Duplex, db: DatabaseTarget, meta: { cert?: string; client_addr?: string }, deps: SessionDeps, opts: ConsoleOptions): Promise<void> {
  const channel = new FrameChannel(stream);
  stream.on('error', () => {});
  const opened = sessionContext(db, meta, deps, 'web');
  if ('refused' in opened) {
    await channel.send({ type: 'error', fatal: true, code: 'access_denied', message: opened.refused });
    channel.end();
    return;
  }
  const limits = await deps.access.consoleLimits(opened.ctx.identity).catch(() => undefined);
  if (!limits) {
    await channel.send({ type: 'error', fatal: true, code: 'internal', message: 'Postern could not read the limits of your roles; try again, or ask an administrator to look at the agent logs' });
    channel.end();
    return;
  }
  const session = new ConsoleSession(channel, opened.ctx, {
    limits,
    idleTimeoutMs: opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    connectTimeoutMs: opts.connectTimeoutMs ?? 15_000,
    driver: opts.drivers?.[db.protocol] ?? DRIVERS[db.protocol],
  });
  await session.run();
}
