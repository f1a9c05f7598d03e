import type { Socket } from 'node:net';
import pg from 'pg';
import { createTestPki, run, startPostgres, tlsUpgrader } from '@postern/testing';
import type { FakeSessionConfig, RunResult, TestPostgres } from '@postern/testing';
import { DB_NAME, DB_USER, EngineHarness } from '@postern/testing/engine-harness';
import { PostgresEngine, readStartup, sendCancelRequest } from '../../src/index';
import type { BackendKey, PostgresEngineOptions } from '../../src/index';

// EngineHarness with readStartup (with a TLS upgrade) as the proxy side and PostgresEngine
// behind it, routing CancelRequests by the backend keys the engine publishes. The database
// is a real PostgreSQL with TLS and certificate authentication.

export { DB_NAME, DB_USER, SERVICE } from '@postern/testing/engine-harness';
export type { SessionRecord } from '@postern/testing/engine-harness';
export { eventually } from '@postern/testing';

export type HarnessConfig = FakeSessionConfig;

export class Harness extends EngineHarness<TestPostgres> {
  /** Backend keys of sessions still running, as the engine published them. */
  liveKeys = new Map<string, BackendKey>();
  cancels: { pid: number; key: number; routed: boolean }[] = [];
  private readonly clients = new Set<pg.Client>();
  private readonly engine: PostgresEngine;

  constructor(db: TestPostgres, pki: Harness['pki'], engine: PostgresEngineOptions = {}) {
    super(db, pki);
    this.engine = new PostgresEngine({
      closeGraceMs: 2_000,
      ...engine,
      onBackendKey: (key) => {
        this.liveKeys.set(key.sessionId, key);
        return () => this.liveKeys.delete(key.sessionId);
      },
    });
  }

  /** Database connections the engine keeps for reuse. */
  get idleConnections(): number {
    return this.engine.idleConnections;
  }

  /** Closes the connections kept for reuse, so that a test starts with none. */
  dropIdleConnections(): void {
    this.engine.close();
  }

  override reset(): void {
    super.reset();
    this.cancels = [];
  }

  psql(sql: string, o: { user?: string; dbname?: string; input?: string; args?: string[] } = {}): Promise<RunResult> {
    const conninfo = `host=127.0.0.1 port=${this.port} sslmode=require user=${o.user ?? DB_USER} dbname=${o.dbname ?? DB_NAME}`;
    return run('psql', ['-X', '-At', '-v', 'ON_ERROR_STOP=1', ...(o.args ?? []), conninfo, '-c', sql], {
      env: { ...process.env, PGCONNECT_TIMEOUT: '10', PGAPPNAME: 'postern-test' },
      input: o.input,
      timeoutMs: 30_000,
    });
  }

  async connect(o: { user?: string; database?: string; application_name?: string } = {}): Promise<pg.Client> {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: this.port,
      user: o.user ?? DB_USER,
      database: o.database ?? DB_NAME,
      application_name: o.application_name,
      ssl: { rejectUnauthorized: false },
    });
    client.on('error', () => {});
    this.clients.add(client);
    await client.connect();
    return client;
  }

  protected defaults(): HarnessConfig {
    return this.commonConfig('postgres');
  }

  protected async serve(socket: Socket): Promise<void> {
    const outcome = await readStartup(socket, { upgradeToTls: tlsUpgrader(this.pki.server, ['postgresql']), graceMs: 2_000 });
    if (outcome.kind === 'cancel') {
      const target = [...this.liveKeys.values()].find((k) => k.client.pid === outcome.pid && k.client.key === outcome.key);
      this.cancels.push({ pid: outcome.pid, key: outcome.key, routed: target !== undefined });
      if (target) await sendCancelRequest(target.database, target.pid, target.key);
      return;
    }
    if (outcome.kind !== 'startup') return;
    await this.session(this.engine, outcome.socket, outcome.params);
  }

  protected async closeClients(): Promise<void> {
    await Promise.allSettled([...this.clients].map((c) => c.end()));
    this.engine.close();
  }
}

export async function startHarness(opts: { setup?: (db: TestPostgres) => Promise<void>; engine?: PostgresEngineOptions } = {}): Promise<Harness> {
  const pki = await createTestPki();
  const db = await startPostgres({
    tls: { serverCertPem: pki.server.certPem, serverKeyPem: pki.server.keyPem, clientCaPem: pki.ca.certPem },
    certAuth: true,
  });
  return EngineHarness.start(
    db,
    async () => {
      await db.query(`create role ${DB_USER} login`);
      await db.query(`create database ${DB_NAME} owner ${DB_USER}`);
      await opts.setup?.(db);
    },
    () => new Harness(db, pki, opts.engine),
  );
}
