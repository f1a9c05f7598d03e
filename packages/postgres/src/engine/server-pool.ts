import type { TLSSocket } from 'node:tls';
import { closeGracefully } from '@postern/engine';
import { serialize } from '../protocol/serializer';
import { resetSession } from './reset-session';

/** How the agent keeps database connections between sessions (config `reuse_connections`). */
export interface ReuseSettings {
  maxIdle: number;
  idleTimeoutMs: number;
  maxLifetimeMs: number;
}

/** A database connection past its startup, as a session may take it over. */
export interface ServerConnection {
  socket: TLSSocket;
  /** AuthenticationOk and the ParameterStatus messages of its startup: what a session taking it over is told first. */
  greeting: Buffer;
  /** The real backend's BackendKeyData, for cancel requests. */
  pid: number;
  key: number;
  openedAt: number;
}

interface Idle {
  connection: ServerConnection;
  timer: NodeJS.Timeout;
  /** Takes the idle listeners off the socket. */
  detach(): void;
}

/** DISCARD ALL is one round trip; a database that takes longer is not one to hand on. */
const RESET_TIMEOUT_MS = 5_000;
const CLOSE_GRACE_MS = 1_000;

/**
 * Database connections of finished sessions, reset and waiting for the next session
 * with the same db user, database and startup settings (the key). The newest idle
 * connection is taken first, so the ones beyond the load of the moment age out.
 *
 * An idle connection is closed when it idles too long, gets too old, or the database
 * says anything unasked (a FATAL at shutdown, a terminated backend): a session is never
 * handed a connection known to be gone.
 */
export class ServerPool {
  private readonly idle = new Map<string, Idle[]>();
  private closed = false;

  constructor(private readonly settings: ReuseSettings) {}

  /** An idle connection for this key, no longer watched by the pool; undefined when there is none. */
  take(key: string, now = Date.now()): ServerConnection | undefined {
    const list = this.idle.get(key);
    while (list && list.length > 0) {
      const entry = list.pop()!;
      if (list.length === 0) this.idle.delete(key);
      entry.detach();
      const { connection } = entry;
      if (!connection.socket.destroyed && now - connection.openedAt < this.settings.maxLifetimeMs) return connection;
      retire(connection);
    }
    return undefined;
  }

  /**
   * Takes back a connection whose client left cleanly: resets it and keeps it, or closes
   * it when it cannot be reset, is too old, or enough of its kind are idle already.
   * Never rejects. Resolves with whether it was kept.
   */
  async giveBack(key: string, connection: ServerConnection): Promise<boolean> {
    if (!this.wanted(key, connection)) return retire(connection);
    try {
      await resetSession(connection.socket, Date.now() + RESET_TIMEOUT_MS);
    } catch {
      return retire(connection);
    }
    // Others may have been given back meanwhile, or the pool closed.
    if (!this.wanted(key, connection)) return retire(connection);
    this.park(key, connection);
    return true;
  }

  /** Idle connections, for all keys. */
  get size(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  /** Closes every idle connection; connections given back later are closed too. */
  close(): void {
    this.closed = true;
    for (const list of this.idle.values()) {
      for (const entry of list) {
        entry.detach();
        retire(entry.connection);
      }
    }
    this.idle.clear();
  }

  private wanted(key: string, connection: ServerConnection): boolean {
    return (
      !this.closed &&
      !connection.socket.destroyed &&
      Date.now() - connection.openedAt < this.settings.maxLifetimeMs &&
      (this.idle.get(key)?.length ?? 0) < this.settings.maxIdle
    );
  }

  private park(key: string, connection: ServerConnection): void {
    const { socket } = connection;
    const drop = (): void => {
      const list = this.idle.get(key);
      const at = list?.indexOf(entry) ?? -1;
      if (at < 0) return;
      list!.splice(at, 1);
      if (list!.length === 0) this.idle.delete(key);
      entry.detach();
      retire(connection);
    };
    const lifetimeLeft = connection.openedAt + this.settings.maxLifetimeMs - Date.now();
    const entry: Idle = {
      connection,
      timer: setTimeout(drop, Math.max(0, Math.min(this.settings.idleTimeoutMs, lifetimeLeft))),
      detach: () => {
        clearTimeout(entry.timer);
        socket.pause();
        socket.off('data', drop);
        socket.off('end', drop);
        socket.off('close', drop);
      },
    };
    // An idle backend has nothing to say: anything it sends (a FATAL at shutdown, a NOTICE
    // of a terminated backend) ends its reuse, and so does its hanging up.
    socket.on('data', drop);
    socket.on('end', drop);
    socket.on('close', drop);
    socket.resume();
    const list = this.idle.get(key);
    if (list) list.push(entry);
    else this.idle.set(key, [entry]);
  }
}

/** Closes a connection the pool does not keep: Terminate, so the server logs no unexpected EOF. */
function retire(connection: ServerConnection): false {
  void closeGracefully(connection.socket, connection.socket.destroyed ? undefined : serialize.terminate(), CLOSE_GRACE_MS);
  return false;
}

/** The startup settings a connection was opened with, as a pool key: equal settings, equal key. */
export function poolKey(params: Record<string, string>): string {
  return JSON.stringify(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
