import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import mysql from 'mysql2/promise';
import type { Connection, ConnectionOptions } from 'mysql2/promise';
import type { AuditEventDraft, SessionContext } from '@postern/engine';
import { run, startMariadb } from '@postern/testing';
import type { RunResult, TestMariadb } from '@postern/testing';
import { encodeStartup, MysqlEngine, readHandshake } from '../../src/index';
import type { MysqlEngineOptions, ReadHandshakeOptions } from '../../src/index';
import { createTestPki } from '@postern/testing';
import type { TestPki } from '@postern/testing';
import { fakeSessionContext, startTestListener } from '@postern/testing';
import type { FakeSessionConfig, LogLine, TestListener } from '@postern/testing';
import { tlsUpgrader } from './tls-upgrade';

// A stand-in for the proxy and the agent around the engine: a plain TCP listener that
// runs readHandshake (with a TLS upgrade) and hands each client to MysqlEngine with a
// fake SessionContext that records what the engine audits and logs. The database is a
// real MariaDB with TLS whose users log in by certificate (REQUIRE SUBJECT).

export const SERVICE = 'demo';
export const DB_USER = 'alice';
export const DB_NAME = 'appdb';
/** What the test proxy's greeting announces, so tests can tell it from the real server's. */
export const PROXY_VERSION = '10.11.99-MariaDB-postern-test';

export interface SessionRecord {
  id: string;
  startup: Record<string, string>;
  audits: AuditEventDraft[];
  done: Promise<void>;
}

export interface HarnessConfig extends FakeSessionConfig {
  /** What the test proxy's readHandshake is given, beyond the version and the TLS upgrade. */
  handshake: Partial<ReadHandshakeOptions>;
}

export interface Harness {
  db: TestMariadb;
  pki: TestPki;
  port: number;
  config: HarnessConfig;
  sessions: SessionRecord[];
  logs: LogLine[];
  /** Drafts the audit schema rejected: must stay empty. */
  auditSchemaErrors: string[];
  reset(): void;
  /** Waits until every session the listener accepted has finished. */
  idle(): Promise<void>;
  queryDrafts(): AuditEventDraft[];
  /** The real mariadb client through the proxy, in batch mode (tab-separated, no headers). */
  mariadb(sql: string, opts?: { user?: string; database?: string; args?: string[]; input?: string }): Promise<RunResult>;
  /** node mysql2 through the proxy, over TLS. */
  connect(opts?: Partial<ConnectionOptions>): Promise<Connection>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  setup?: (db: TestMariadb) => Promise<void>;
  engine?: MysqlEngineOptions;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const pki = await createTestPki();
  const db = await startMariadb({ tls: { serverCertPem: pki.server.certPem, serverKeyPem: pki.server.keyPem, clientCaPem: pki.ca.certPem } });
  const clients = new Set<Connection>();
  let listener: TestListener | undefined;

  try {
    await db.query(
      [
        `create database ${DB_NAME}`,
        'create database otherdb',
        `create user ${DB_USER}@'%' require subject '/CN=${DB_USER}'`,
        `grant all on ${DB_NAME}.* to ${DB_USER}@'%'`,
        `grant all on otherdb.* to ${DB_USER}@'%'`,
      ].join(';'),
    );
    await opts.setup?.(db);

    const defaults = (): HarnessConfig => ({
      route: { username: DB_USER, database: DB_NAME },
      authorize: async () => ({ allowed: true }),
      auditFails: () => false,
      database: { name: SERVICE, protocol: 'mysql', uri: `127.0.0.1:${db.port}`, caPem: pki.ca.certPem, labels: {} },
      credentials: (route) => pki.clientCert(route.username),
      handshake: {},
    });

    const harness: Harness = {
      db,
      pki,
      port: 0,
      config: defaults(),
      sessions: [],
      logs: [],
      auditSchemaErrors: [],
      reset() {
        harness.config = defaults();
        harness.sessions = [];
        harness.logs = [];
      },
      async idle() {
        await listener?.idle();
      },
      queryDrafts() {
        return harness.sessions.flatMap((s) => s.audits).filter((d) => d.event === 'db.session.query');
      },
      mariadb(sql, o = {}) {
        const args = ['--no-defaults', '-h127.0.0.1', `-P${harness.port}`, `-u${o.user ?? DB_USER}`, '--ssl', '--batch', '--skip-column-names', '--connect-timeout=10'];
        if (o.database !== undefined) args.push(`--database=${o.database}`);
        return run('mariadb', [...args, ...(o.args ?? []), '-e', sql], { input: o.input, timeoutMs: 30_000 });
      },
      async connect(o = {}) {
        const connection = await mysql.createConnection({
          host: '127.0.0.1',
          port: harness.port,
          user: DB_USER,
          database: DB_NAME,
          ssl: { rejectUnauthorized: false },
          ...o,
        });
        connection.on('error', () => {});
        clients.add(connection);
        return connection;
      },
      async stop() {
        await Promise.allSettled([...clients].map((c) => c.end()));
        await listener?.close();
        await db.stop();
      },
    };

    const engine = new MysqlEngine({ closeGraceMs: 2_000, ...opts.engine });

    const serve = async (socket: Socket): Promise<void> => {
      const outcome = await readHandshake(socket, {
        serverVersion: PROXY_VERSION,
        upgradeToTls: tlsUpgrader(pki.server),
        graceMs: 2_000,
        ...harness.config.handshake,
      });
      if (outcome.kind !== 'handshake') return;
      const startup = encodeStartup(outcome);
      const record: SessionRecord = { id: randomUUID(), startup, audits: [], done: Promise.resolve() };
      harness.sessions.push(record);
      record.done = engine.handleConnection(outcome.socket, startup, sessionContext(harness, record));
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
    draftEvents: DRAFT_EVENTS,
  });
}

/** Events @postern/audit does not know yet; drafts of them are checked by the tests instead. */
const DRAFT_EVENTS = new Set(['db.session.mysql.init_db']);

export { eventually } from '@postern/testing';
