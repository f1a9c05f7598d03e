import path from 'node:path';
import type { Duplex } from 'node:stream';
import { AuditBatcher } from '@postern/audit';
import type { LoadedConfig } from '@postern/config';
import type { Engine } from '@postern/engine';
import { createLogger } from '@postern/log';
import { agentMetrics, reportAgent } from '@postern/metrics';
import { decodeStartup, ErrorCode as MysqlErrorCode, MysqlEngine, probeServerVersion, sendError as sendMysqlError } from '@postern/mysql';
import { PostgresEngine, sendCancelRequest, sendError } from '@postern/postgres';
import { isRevokedAgentReason, startTunnelAgent, type DialRequest, type TunnelAgent } from '@postern/tunnel';
import { AccessChecker } from './access';
import { AgentRemovedError } from './agent-removed';
import { consoleIdleTimeoutFromEnv, runConsole } from './console';
import { AuditSpool } from './audit-spool';
import { AuthApiError, AuthClient } from './auth-client';
import { loadDatabases } from './databases';
import { DbCredentialCache } from './db-credentials';
import { join, loadIdentity, type AgentIdentity } from './identity';
import { runSession } from './session';
import { ThrottledTask } from './throttled-task';

export { AgentRemovedError } from './agent-removed';

export const AGENT_VERSION = '0.1.0';

/** How often the agent tells the Auth Service it is alive (and registers its databases). */
const HEARTBEAT_INTERVAL_MS = 30_000;
/**
 * The least time between two heartbeats that proxies' refusals ask for: a proxy that turns
 * every reconnect away must not make the agent hammer the Auth Service.
 */
const REFUSAL_HEARTBEAT_GAP_MS = 2_000;

/** The sequence id a MySQL client expects for its authentication result (3 after TLS). */
function mysqlSequence(startup: Record<string, string> | undefined): number {
  try {
    return startup ? decodeStartup(startup).sequenceId : 3;
  } catch {
    return 3;
  }
}

export interface AgentOptions {
  /** When the agent runs in the web's process: its identity and the web's own URL. */
  local?: { identity: AgentIdentity; authUrl: string };
}

export interface RunningAgent {
  hostId: string;
  tunnel: TunnelAgent;
  spool: AuditSpool;
  /**
   * Resolves (never rejects) if an admin removes this agent while it runs, once it has
   * stopped itself: tunnel closed, heartbeats over, spooled audit delivered. Pending otherwise.
   */
  removed: Promise<AgentRemovedError>;
  /** Stops the agent; safe to call again, and after it stopped itself. */
  close(): Promise<void>;
}

/**
 * Starts the agent: joins (or loads its identity), dials the proxy, heartbeats. Rejects with
 * AgentRemovedError, after closing what it started, when the Auth Service says an admin
 * removed this agent: a removed agent cannot do anything, so it must not sit there retrying.
 */
export async function startAgent(loaded: LoadedConfig, opts: AgentOptions = {}): Promise<RunningAgent> {
  const { config, dataDir } = loaded;
  const log = createLogger('agent');
  const proxyAddr = config.agent.proxy_addr;
  const identity =
    opts.local?.identity ??
    loadIdentity(dataDir) ??
    (await join({ proxyAddr, token: config.agent.join_token, caPin: config.agent.ca_pin || undefined, dataDir }));
  const creds = { certPem: identity.certPem, keyPem: identity.keyPem };
  const auth = new AuthClient(opts.local?.authUrl ?? `https://${proxyAddr}`, creds, { ca: identity.ca.host });
  const databases = loadDatabases(config.agent.databases, identity.ca.db_client);
  // Live sessions by the backend key their client was given: a cancel is forwarded only
  // for one of them, with the real backend's key (they differ on reused connections).
  const liveBackends = new Map<string, { pid: number; key: number }>();
  const postgres = new PostgresEngine({
    onBackendKey: (k) => {
      const id = `${k.client.pid >>> 0}:${k.client.key >>> 0}`;
      const backend = { pid: k.pid, key: k.key };
      liveBackends.set(id, backend);
      return () => {
        if (liveBackends.get(id) === backend) liveBackends.delete(id);
      };
    },
  });
  const engines = new Map<string, Engine>([
    ['mysql', new MysqlEngine()],
    ['postgres', postgres],
  ]);

  const spool = new AuditSpool({
    dir: path.join(dataDir, 'agent', 'audit-spool'),
    log,
    // The spool keeps its events serialized: the request is assembled around that text.
    send: async (batch) => {
      await auth.callJson('POST', '/audit/events', `{"events":${batch.json}}`, null);
    },
  });
  // A quarter-second batch: one fsync'd spool file and, downstream, one store write per
  // batch instead of per query; an event reaches the audit log within a second or so.
  const audit = new AuditBatcher(spool.sink, { flushIntervalMs: 250, maxBatch: 4_000, onError: (err, pending) => log.error({ err: (err as Error).message, pending }, 'audit spool write failed') });
  const deps = {
    clusterName: config.cluster_name,
    userCas: identity.ca.user,
    audit,
    access: new AccessChecker(auth),
    credentials: new DbCredentialCache(auth),
    log,
    refuse: (protocol: 'postgres' | 'mysql', stream: Duplex, message: string, startup?: Record<string, string>) => {
      if (protocol === 'postgres') void sendError(stream, { code: '28000', message });
      else void sendMysqlError(stream, { ...MysqlErrorCode.AccessDenied, message }, mysqlSequence(startup));
    },
  };

  const onStream = (stream: Duplex, req: DialRequest) => {
    const db = databases.get(req.database);
    const meta = req.meta as { cancel?: { pid: number; key: number }; cert?: string; client_addr?: string; startup?: Record<string, string>; console?: boolean };
    if (!db) return void stream.destroy(new Error(`this agent does not serve database ${req.database}`));
    // The browser console: the agent runs the statements itself (apps/agent/src/console).
    if (meta.console === true) {
      void runConsole(stream, db, meta, deps, { idleTimeoutMs: consoleIdleTimeoutFromEnv() }).catch((err: unknown) => {
        log.error({ err: (err as Error).message }, 'console session failed');
        stream.destroy();
      });
      return;
    }
    if (meta.cancel) {
      stream.resume();
      stream.end();
      const backend = liveBackends.get(`${meta.cancel.pid >>> 0}:${meta.cancel.key >>> 0}`);
      if (!backend) {
        return void log.debug({ pid: meta.cancel.pid, live: liveBackends.size }, 'cancel request for no live session');
      }
      void sendCancelRequest(db, backend.pid, backend.key).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'cancel request failed'));
      return;
    }
    const engine = engines.get(db.protocol);
    if (!engine) return void deps.refuse(db.protocol, stream, `this agent cannot serve ${db.protocol} databases yet`, meta.startup);
    void runSession(stream, db, engine, meta, deps).catch((err: unknown) => {
      log.error({ err: (err as Error).message }, 'session failed');
      stream.destroy();
    });
  };

  // MySQL clients are greeted before they name a database, with the version the proxy
  // learns here; the server tells it in its own greeting, without any login.
  const versions = new Map<string, string>();
  /** Returns whether a version changed, so the proxies are told again. */
  const probeVersions = async (): Promise<boolean> => {
    let changed = false;
    for (const d of databases.values()) {
      // Each probe is a connection the server counts towards max_connect_errors: once known,
      // a version is not asked again.
      if (d.protocol !== 'mysql' || versions.has(d.name)) continue;
      const v = await probeServerVersion(d.uri).catch(() => undefined);
      if (v && v !== versions.get(d.name)) {
        versions.set(d.name, v);
        changed = true;
      }
    }
    return changed;
  };
  await probeVersions();
  const hello = () => ({
    hostId: identity.hostId,
    name: config.agent.name || identity.hostId,
    version: AGENT_VERSION,
    databases: [...databases.values()].map((d) => ({ name: d.name, protocol: d.protocol, labels: d.labels, ...(versions.has(d.name) ? { serverVersion: versions.get(d.name)! } : {}) })),
  });
  const tunnel = startTunnelAgent({
    proxyAddr,
    tls: { keyPem: identity.keyPem, certPem: identity.certPem, caPem: identity.ca.host.join('\n') },
    hello,
    onStream,
    log,
  });

  // Heartbeats register the databases in the store, for `postern db ls` and the web UI.
  /** One heartbeat; returns the removal when the Auth Service says an admin removed this agent. */
  const beat = async (): Promise<AgentRemovedError | undefined> => {
    const h = hello();
    try {
      await auth.call(
        'POST',
        '/agents/heartbeat',
        { name: h.name, version: AGENT_VERSION, databases: [...databases.values()].map((d) => ({ name: d.name, protocol: d.protocol, uri: d.uri, labels: d.labels, server_version: versions.get(d.name) ?? '' })) },
        null,
      );
      return undefined;
    } catch (err) {
      // Removed by an admin: nothing this agent does will work again under this identity, so
      // say it loudly and say what to do (the message comes from the Auth Service).
      if (err instanceof AuthApiError && err.code === 'host_removed') {
        log.error({ err: err.message, host_id: identity.hostId }, 'this agent was removed from the cluster; stopping');
        return new AgentRemovedError(err.message, identity.hostId);
      }
      log.warn({ err: (err as Error).message }, 'heartbeat failed');
      return undefined;
    }
  };

  let removal: AgentRemovedError | undefined;
  let running = false;
  let tellRemoved: (err: AgentRemovedError) => void = () => undefined;
  const removed = new Promise<AgentRemovedError>((resolve) => (tellRemoved = resolve));
  // Every heartbeat goes through here: one at a time, and the first answer that this agent
  // was removed stops it (before it runs, startAgent stops it and rejects).
  const heartbeats = new ThrottledTask(
    async () => {
      if (removal) return;
      removal = await beat();
      // Stopped by its owner meanwhile: that stop stands, there is no one left to tell.
      if (removal && running && !closing) {
        await close();
        tellRemoved(removal);
      }
    },
    { minGapMs: REFUSAL_HEARTBEAT_GAP_MS },
  );
  // Any other call refused as removed (an access lookup, a certificate) asks for one too.
  auth.onHostRemoved = () => heartbeats.request();
  // The proxy turned the tunnel away because this agent was removed: ask the Auth Service,
  // the authority on that, now rather than at the next heartbeat up to 30 s away.
  tunnel.on('failed', (reason) => {
    agentMetrics.tunnelFailures.inc();
    if (!isRevokedAgentReason(reason)) return;
    log.debug('the proxy refused the tunnel as removed; asking the Auth Service now');
    heartbeats.request();
  });

  const stopReporting = reportAgent({
    tunnelConnected: () => tunnel.connected,
    idleServerConnections: () => postgres.idleConnectionsByDatabase(),
    auditSpoolBytes: () => spool.pendingBytes,
  });

  const timer = setInterval(() => {
    void probeVersions()
      .then((changed) => {
        if (changed) tunnel.announce();
        return heartbeats.run();
      })
      .catch((err: unknown) => log.error({ err: (err as Error).message }, 'heartbeat round failed'));
  }, HEARTBEAT_INTERVAL_MS);
  timer.unref();

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      stopReporting();
      heartbeats.stop();
      clearInterval(timer);
      await tunnel.close();
      for (const engine of engines.values()) engine.close?.();
      // The Auth Service still takes audit events from a removed agent: what is spooled is
      // delivered, not lost, on this way out too.
      await audit.close({ timeoutMs: 5_000 }).catch(() => undefined);
      await spool.drained(5_000);
      await spool.close();
      auth.close();
    })());

  await heartbeats.run();
  if (removal) {
    await close();
    throw removal;
  }
  running = true;
  return { hostId: identity.hostId, tunnel, spool, removed, close };
}
