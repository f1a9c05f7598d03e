import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import pg from 'pg';
import type { AuditEventDraft, SessionContext } from '@postern/engine';
import { run, startPostgres } from '@postern/testing';
import type { RunResult, TestPostgres } from '@postern/testing';
import { PostgresEngine, readStartup, sendCancelRequest } from '../../src/index';
import type { BackendKey, PostgresEngineOptions } from '../../src/index';
import { createTestPki } from '@postern/testing';
import type { TestPki } from '@postern/testing';
import { fakeSessionContext, startTestListener } from '@postern/testing';
import type { FakeSessionConfig, LogLine, TestListener } from '@postern/testing';
import { tlsUpgrader } from './tls-upgrade';

// A stand-in for the proxy and the agent around the engine: a plain TCP listener that
// runs readStartup (with a TLS upgrade) and hands each client to PostgresEngine with a
// fake SessionContext that records what the engine audits and logs. The database is a
// real PostgreSQL with TLS and certificate authentication.

export const SERVICE = 'demo';
export const DB_USER = 'alice';
export const DB_NAME = 'appdb';

export interface SessionRecord {
  id: string;
  params: Record<string, string>;
  audits: AuditEventDraft[];
  done: Promise<void>;
}

export type HarnessConfig = FakeSessionConfig;

export interface Harness {
  db: TestPostgres;
  pki: TestPki;
  port: number;
  config: HarnessConfig;
  sessions: SessionRecord[];
  /** Backend keys of sessions still running, as the engine published them. */
  liveKeys: Map<string, BackendKey>;
  cancels: { pid: number; key: number; routed: boolean }[];
  logs: LogLine[];
  /** Drafts the audit schema rejected: must stay empty. */
  auditSchemaErrors: string[];
  reset(): void;
  /** Waits until every session the listener accepted has finished. */
  idle(): Promise<void>;
  queryDrafts(): AuditEventDraft[];
  psql(sql: string, opts?: { user?: string; dbname?: string; input?: string; args?: string[] }): Promise<RunResult>;
  connect(opts?: { user?: string; database?: string; application_name?: string }): Promise<pg.Client>;
  stop(): Promise<void>;
}

export async function startHarness(opts: { setup?: (db: TestPostgres) => Promise<void>; engine?: PostgresEngineOptions } = {}): Promise<Harness> {
  const pki = await createTestPki();
  const db = await startPostgres({
    tls: { serverCertPem: pki.server.certPem, serverKeyPem: pki.server.keyPem, clientCaPem: pki.ca.certPem },
    certAuth: true,
  });
  const clients = new Set<pg.Client>();
  let listener: TestListener | undefined;

  try {
    await db.query(`create role ${DB_USER} login`);
    await db.query(`create database ${DB_NAME} owner ${DB_USER}`);
    await opts.setup?.(db);

    const defaults = (): HarnessConfig => ({
      route: { username: DB_USER, database: DB_NAME },
      authorize: async () => ({ allowed: true }),
      auditFails: () => false,
      database: { name: SERVICE, protocol: 'postgres', uri: `127.0.0.1:${db.port}`, caPem: pki.ca.certPem, labels: {} },
      credentials: (route) => pki.clientCert(route.username),
    });

    const harness: Harness = {
      db,
      pki,
      port: 0,
      config: defaults(),
      sessions: [],
      liveKeys: new Map(),
      cancels: [],
      logs: [],
      auditSchemaErrors: [],
      reset() {
        harness.config = defaults();
        harness.sessions = [];
        harness.cancels = [];
        harness.logs = [];
      },
      async idle() {
        await listener?.idle();
      },
      queryDrafts() {
        return harness.sessions.flatMap((s) => s.audits).filter((d) => d.event === 'db.session.query');
      },
      psql(sql, o = {}) {
        const conninfo = `host=127.0.0.1 port=${harness.port} sslmode=require user=${o.user ?? DB_USER} dbname=${o.dbname ?? DB_NAME}`;
        return run('psql', ['-X', '-At', '-v', 'ON_ERROR_STOP=1', ...(o.args ?? []), conninfo, '-c', sql], {
          env: { ...process.env, PGCONNECT_TIMEOUT: '10', PGAPPNAME: 'postern-test' },
          input: o.input,
          timeoutMs: 30_000,
        });
      },
      async connect(o = {}) {
        const client = new pg.Client({
          host: '127.0.0.1',
          port: harness.port,
          user: o.user ?? DB_USER,
          database: o.database ?? DB_NAME,
          application_name: o.application_name,
          ssl: { rejectUnauthorized: false },
        });
        client.on('error', () => {});
        clients.add(client);
        await client.connect();
        return client;
      },
      async stop() {
        await Promise.allSettled([...clients].map((c) => c.end()));
        await listener?.close();
        await db.stop();
      },
    };

    const engine = new PostgresEngine({
      closeGraceMs: 2_000,
      ...opts.engine,
      onBackendKey: (key) => {
        harness.liveKeys.set(key.sessionId, key);
        return () => harness.liveKeys.delete(key.sessionId);
      },
    });

    const serve = async (socket: Socket): Promise<void> => {
      const outcome = await readStartup(socket, { upgradeToTls: tlsUpgrader(pki.server), graceMs: 2_000 });
      if (outcome.kind === 'cancel') {
        const target = [...harness.liveKeys.values()].find((k) => k.pid === outcome.pid && k.key === outcome.key);
        harness.cancels.push({ pid: outcome.pid, key: outcome.key, routed: target !== undefined });
        if (target) await sendCancelRequest(target.database, target.pid, target.key);
        return;
      }
      if (outcome.kind !== 'startup') return;
      const record: SessionRecord = { id: randomUUID(), params: outcome.params, audits: [], done: Promise.resolve() };
      harness.sessions.push(record);
      const ctx = sessionContext(harness, record);
      record.done = engine.handleConnection(outcome.socket, outcome.params, ctx);
      await record.done;
    };

    listener = await startTestListener(serve, (err) => {
      harness.logs.push({ level: 'harness', args: [String(err)] });
    });
    harness.port = listener.port;
    return harness;
  } catch (err) {
    await listener?.close();
    await db.stop();
    throw err;
  }
}

function sessionContext(harness: Harness, record: SessionRecord): SessionContext {
  return fakeSessionContext({
    sessionId: record.id,
    config: harness.config,
    audits: record.audits,
    logs: harness.logs,
    schemaErrors: harness.auditSchemaErrors,
  });
}

export { eventually } from '@postern/testing';
