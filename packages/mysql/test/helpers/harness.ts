import type { Socket } from 'node:net';
import mysql from 'mysql2/promise';
import type { Connection, ConnectionOptions } from 'mysql2/promise';
import { createTestPki, run, startMariadb, tlsUpgrader } from '@postern/testing';
import type { FakeSessionConfig, RunResult, TestMariadb } from '@postern/testing';
import { DB_NAME, DB_USER, EngineHarness } from '@postern/testing/engine-harness';
import { encodeStartup, MysqlEngine, readHandshake } from '../../src/index';
import type { MysqlEngineOptions, ReadHandshakeOptions } from '../../src/index';

// EngineHarness with readHandshake (with a TLS upgrade) as the proxy side and MysqlEngine
// behind it. The database is a real MariaDB with TLS whose users log in by certificate
// (REQUIRE SUBJECT).

export { DB_NAME, DB_USER, SERVICE } from '@postern/testing/engine-harness';
export type { SessionRecord } from '@postern/testing/engine-harness';

/** What the test proxy's greeting announces, so tests can tell it from the real server's. */
export const PROXY_VERSION = '10.11.99-MariaDB-postern-test';

export interface HarnessConfig extends FakeSessionConfig {
  /** What the test proxy's readHandshake is given, beyond the version and the TLS upgrade. */
  handshake: Partial<ReadHandshakeOptions>;
}

export interface HarnessOptions {
  setup?: (db: TestMariadb) => Promise<void>;
  engine?: MysqlEngineOptions;
}

/** Events @postern/audit does not know yet; drafts of them are checked by the tests instead. */
const DRAFT_EVENTS = new Set(['db.session.mysql.init_db']);

export class Harness extends EngineHarness<TestMariadb, HarnessConfig> {
  private readonly clients = new Set<Connection>();
  private readonly engine: MysqlEngine;

  constructor(db: TestMariadb, pki: Harness['pki'], engine: MysqlEngineOptions = {}) {
    super(db, pki, DRAFT_EVENTS);
    this.engine = new MysqlEngine({ closeGraceMs: 2_000, ...engine });
  }

  /** The real mariadb client through the proxy, in batch mode (tab-separated, no headers). */
  mariadb(sql: string, o: { user?: string; database?: string; args?: string[]; input?: string } = {}): Promise<RunResult> {
    const args = ['--no-defaults', '-h127.0.0.1', `-P${this.port}`, `-u${o.user ?? DB_USER}`, '--ssl', '--batch', '--skip-column-names', '--connect-timeout=10'];
    if (o.database !== undefined) args.push(`--database=${o.database}`);
    return run('mariadb', [...args, ...(o.args ?? []), '-e', sql], { input: o.input, timeoutMs: 30_000 });
  }

  /** node mysql2 through the proxy, over TLS. */
  async connect(o: Partial<ConnectionOptions> = {}): Promise<Connection> {
    const connection = await mysql.createConnection({
      host: '127.0.0.1',
      port: this.port,
      user: DB_USER,
      database: DB_NAME,
      ssl: { rejectUnauthorized: false },
      ...o,
    });
    connection.on('error', () => {});
    this.clients.add(connection);
    return connection;
  }

  protected defaults(): HarnessConfig {
    return { ...this.commonConfig('mysql'), handshake: {} };
  }

  protected async serve(socket: Socket): Promise<void> {
    const outcome = await readHandshake(socket, {
      serverVersion: PROXY_VERSION,
      upgradeToTls: tlsUpgrader(this.pki.server),
      graceMs: 2_000,
      ...this.config.handshake,
    });
    if (outcome.kind !== 'handshake') return;
    await this.session(this.engine, outcome.socket, encodeStartup(outcome));
  }

  protected async closeClients(): Promise<void> {
    await Promise.allSettled([...this.clients].map((c) => c.end()));
  }
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const pki = await createTestPki();
  const db = await startMariadb({ tls: { serverCertPem: pki.server.certPem, serverKeyPem: pki.server.keyPem, clientCaPem: pki.ca.certPem } });
  return EngineHarness.start(
    db,
    async () => {
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
    },
    () => new Harness(db, pki, opts.engine),
  );
}
