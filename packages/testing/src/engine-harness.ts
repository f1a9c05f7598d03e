import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { AuditEventDraft, Engine } from '@postern/engine';
import { allowingConfig, fakeSessionContext } from './fake-session-context';
import type { FakeSessionConfig } from './fake-session-context';
import type { LogLine } from './recording-logger';
import { startTestListener } from './test-listener';
import type { TestListener } from './test-listener';
import type { TestPki } from './test-pki';

// A stand-in for the proxy and the agent around a protocol engine, for the engine's own
// tests: a plain TCP listener whose connections go through the protocol's proxy side and
// then to the engine, with a fake SessionContext that records what the engine audits and
// logs. The database is a real one with TLS whose users log in by certificate. Each
// protocol subclasses it with its proxy side and its clients.

export const SERVICE = 'demo';
export const DB_USER = 'alice';
export const DB_NAME = 'appdb';

export interface SessionRecord {
  id: string;
  /** What the proxy side handed to the engine. */
  startup: Record<string, string>;
  audits: AuditEventDraft[];
  done: Promise<void>;
}

/** The audit of a session that did not start. */
export interface RefusedStart {
  event: 'db.session.start';
  success: false;
  error: string;
}

/** What the harness needs of the test database it runs against. */
export interface HarnessDatabase {
  port: number;
  stop(): Promise<void>;
}

export abstract class EngineHarness<Db extends HarnessDatabase, Config extends FakeSessionConfig = FakeSessionConfig> {
  /** Where clients connect: the test listener, standing in for the proxy. */
  port = 0;
  /** What the sessions are given; tests change it, and reset() restores it. */
  config: Config;
  sessions: SessionRecord[] = [];
  logs: LogLine[] = [];
  /** Drafts the audit schema rejected: must stay empty. */
  auditSchemaErrors: string[] = [];
  private listener: TestListener | undefined;

  constructor(
    readonly db: Db,
    readonly pki: TestPki,
    /** Events @postern/audit does not know yet; drafts of them are checked by the tests instead. */
    private readonly draftEvents?: ReadonlySet<string>,
  ) {
    this.config = this.defaults();
  }

  /**
   * The config each test starts from. Called by the constructor, so it may use only what
   * the base class has (db, pki): see `commonConfig`.
   */
  protected abstract defaults(): Config;

  /** The proxy side of one connection: reads the client's startup, then hands it to `session`. */
  protected abstract serve(socket: Socket): Promise<void>;

  /** Closes the clients the protocol's helpers opened. */
  protected abstract closeClients(): Promise<void>;

  reset(): void {
    this.config = this.defaults();
    this.sessions = [];
    this.logs = [];
  }

  /** Waits until every session the listener accepted has finished. */
  async idle(): Promise<void> {
    await this.listener?.idle();
  }

  queryDrafts(): AuditEventDraft[] {
    return this.sessions.flatMap((s) => s.audits).filter((d) => d.event === 'db.session.query');
  }

  /**
   * Once the sessions are over: the audit of the one session there was, which must be its
   * refused start and nothing else (otherwise this throws, failing the test).
   */
  async refusedStart(): Promise<RefusedStart> {
    await this.idle();
    const audited = this.sessions.map((s) => s.audits);
    const start = audited.length === 1 && audited[0]!.length === 1 ? audited[0]![0] : undefined;
    if (start?.event !== 'db.session.start' || start['success'] !== false) {
      throw new Error(`expected one session whose only audit is a refused db.session.start, got ${JSON.stringify(audited)}`);
    }
    return start as RefusedStart;
  }

  async stop(): Promise<void> {
    await this.closeClients();
    await this.listener?.close();
    await this.db.stop();
  }

  /** The route DB_USER → DB_NAME of SERVICE on the test database, allowed and audited, with certificates from the test PKI. */
  protected commonConfig(protocol: 'postgres' | 'mysql'): FakeSessionConfig {
    return allowingConfig({ name: SERVICE, protocol, uri: `127.0.0.1:${this.db.port}`, caPem: this.pki.ca.certPem, labels: {} }, this.pki, {
      username: DB_USER,
      database: DB_NAME,
    });
  }

  /** Runs one client's session through `engine`, recorded in `sessions`. */
  protected async session(engine: Engine, stream: Duplex, startup: Record<string, string>): Promise<void> {
    const record: SessionRecord = { id: randomUUID(), startup, audits: [], done: Promise.resolve() };
    this.sessions.push(record);
    const ctx = fakeSessionContext({
      sessionId: record.id,
      config: this.config,
      audits: record.audits,
      logs: this.logs,
      schemaErrors: this.auditSchemaErrors,
      draftEvents: this.draftEvents,
    });
    record.done = engine.handleConnection(stream, startup, ctx);
    await record.done;
  }

  private async listen(): Promise<void> {
    this.listener = await startTestListener(
      (socket) => this.serve(socket),
      (err) => {
        this.logs.push({ level: 'harness', args: [String(err)] });
      },
    );
    this.port = this.listener.port;
  }

  /**
   * Prepares a running database (`prepare`: its users, databases and the test's own setup),
   * then starts listening with the harness `create` makes. Stops the database when any of
   * it fails.
   */
  static async start<Db extends HarnessDatabase, H extends EngineHarness<Db, FakeSessionConfig>>(
    db: Db,
    prepare: (db: Db) => Promise<void>,
    create: () => H,
  ): Promise<H> {
    let harness: H | undefined;
    try {
      await prepare(db);
      harness = create();
      await harness.listen();
      return harness;
    } catch (err) {
      await harness?.listener?.close();
      await db.stop();
      throw err;
    }
  }
}
