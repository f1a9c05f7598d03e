import path from 'node:path';
import type { Duplex } from 'node:stream';
import { AuditBatcher } from '@postern/audit';
import type { LoadedConfig } from '@postern/config';
import type { Engine } from '@postern/engine';
import { createLogger } from '@postern/log';
import { decodeStartup, ErrorCode as MysqlErrorCode, MysqlEngine, probeServerVersion, sendError as sendMysqlError } from '@postern/mysql';
import { PostgresEngine, sendCancelRequest, sendError } from '@postern/postgres';
import { startTunnelAgent, type DialRequest, type TunnelAgent } from '@postern/tunnel';
import { AccessChecker } from './access';
import { consoleIdleTimeoutFromEnv, runConsole } from './console';
import { AuditSpool } from './audit-spool';
import { AuthApiError, AuthClient } from './auth-client';
import { loadDatabases } from './databases';
import { DbCredentialCache } from './db-credentials';
import { join, loadIdentity, type AgentIdentity } from './identity';
import { runSession } from './session';

export const AGENT_VERSION = '0.1.0';

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
  close(): Promise<void>;
}

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
  // Real backend keys of live sessions: a cancel is forwarded only for one of them.
  const liveBackends = new Map<string, string>();
  const engines = new Map<string, Engine>([
    ['mysql', new MysqlEngine()],
    [
      'postgres',
      new PostgresEngine({
        onBackendKey: (k) => {
          const id = `${k.pid >>> 0}:${k.key >>> 0}`;
          liveBackends.set(id, k.database.name);
          return () => liveBackends.delete(id);
        },
      }),
    ],
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
      if (!liveBackends.has(`${meta.cancel.pid >>> 0}:${meta.cancel.key >>> 0}`)) {
        return void log.debug({ pid: meta.cancel.pid, live: liveBackends.size }, 'cancel request for no live session');
      }
      void sendCancelRequest(db, meta.cancel.pid, meta.cancel.key).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'cancel request failed'));
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
  const beat = async () => {
    const h = hello();
    await auth
      .call(
        'POST',
        '/agents/heartbeat',
        { name: h.name, version: AGENT_VERSION, databases: [...databases.values()].map((d) => ({ name: d.name, protocol: d.protocol, uri: d.uri, labels: d.labels, server_version: versions.get(d.name) ?? '' })) },
        null,
      )
      .catch((err: unknown) => {
        // Removed by an admin: nothing this agent does will work again under this identity,
        // so say it loudly and say what to do (the message comes from the Auth Service).
        if (err instanceof AuthApiError && err.code === 'host_removed') log.error({ err: err.message, host_id: identity.hostId }, 'this agent was removed from the cluster');
        else log.warn({ err: (err as Error).message }, 'heartbeat failed');
      });
  };
  await beat();
  const timer = setInterval(() => {
    void probeVersions().then((changed) => {
      if (changed) tunnel.announce();
      return beat();
    });
  }, 30_000);
  timer.unref();

  return {
    hostId: identity.hostId,
    tunnel,
    spool,
    async close() {
      clearInterval(timer);
      await tunnel.close();
      await audit.close({ timeoutMs: 5_000 }).catch(() => undefined);
      await spool.drained(5_000);
      await spool.close();
      auth.close();
    },
  };
}
