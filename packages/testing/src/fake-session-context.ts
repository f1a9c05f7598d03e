import { makeEvent } from '@postern/audit';
import { SessionError } from '@postern/engine';
import type { AuditEventDraft, DatabaseTarget, DbClientCredentials, SessionContext } from '@postern/engine';
import { recordingLogger } from './recording-logger';
import type { LogLine } from './recording-logger';

type AccessDecision = Awaited<ReturnType<SessionContext['authorize']>>;

/** What a test decides about the sessions it starts; a harness keeps one and tests change it. */
export interface FakeSessionConfig {
  route: { username: string; database: string };
  authorize: () => Promise<AccessDecision>;
  /** True makes ctx.audit throw SessionError('audit_unavailable') for that draft. */
  auditFails: (draft: AuditEventDraft) => boolean;
  database: DatabaseTarget;
  credentials: (route: { username: string }) => DbClientCredentials;
}

/**
 * A config that lets sessions through: the route (by default db user alice on database
 * appdb) of `database`, audited, with DB client certificates from `pki`.
 */
export function allowingConfig(
  database: DatabaseTarget,
  pki: { clientCert(user: string): DbClientCredentials },
  route: FakeSessionConfig['route'] = { username: 'alice', database: 'appdb' },
): FakeSessionConfig {
  return {
    route,
    authorize: async () => ({ allowed: true }),
    auditFails: () => false,
    database,
    credentials: (route) => pki.clientCert(route.username),
  };
}

export interface FakeSessionOptions {
  sessionId: string;
  config: FakeSessionConfig;
  /** Where the drafts the engine audits are kept. */
  audits: AuditEventDraft[];
  logs: LogLine[];
  /** Where drafts the audit schema rejects are reported: a test expects it to stay empty. */
  schemaErrors: string[];
  /** Events @postern/audit does not know yet; drafts of them are checked by the tests instead. */
  draftEvents?: ReadonlySet<string>;
}

/**
 * The SessionContext the agent would build, for engine tests: alice@example.com with role
 * dev on the config's database, recording what the engine audits and logs, and checking
 * each audit draft against the schema the agent would apply.
 */
export function fakeSessionContext(opts: FakeSessionOptions): SessionContext {
  const { config } = opts;
  const route = { service: config.database.name, protocol: config.database.protocol, ...config.route };
  return {
    sessionId: opts.sessionId,
    identity: {
      kind: 'user',
      clusterName: 'test',
      username: 'alice@example.com',
      roles: ['dev'],
      traits: {},
      expires: new Date(Date.now() + 3_600_000),
      route,
    },
    database: config.database,
    clientAddr: '127.0.0.1',
    accessThrough: 'native',
    authorize: () => config.authorize(),
    dbCredentials: async () => config.credentials(route),
    audit(draft) {
      if (config.auditFails(draft)) throw new SessionError('audit_unavailable', 'the audit queue is full');
      opts.audits.push(draft);
      checkSchema(opts, draft);
    },
    log: recordingLogger(opts.logs),
  };
}

/** What the agent would do with a draft: add the common fields and validate the event. */
function checkSchema(opts: FakeSessionOptions, draft: AuditEventDraft): void {
  const { event, ...fields } = draft;
  if (opts.draftEvents?.has(event)) return;
  const { config } = opts;
  try {
    // Drafts are loosely typed for every protocol; the schema check is the point here.
    const build = makeEvent as (name: string, fields: Record<string, unknown>, cluster: string) => unknown;
    build(
      event,
      {
        user: 'alice@example.com',
        sid: opts.sessionId,
        db_service: config.database.name,
        db_protocol: config.database.protocol,
        db_uri: config.database.uri,
        db_name: config.route.database,
        db_user: config.route.username,
        access_through: 'native',
        ...fields,
      },
      'test',
    );
  } catch (err) {
    opts.schemaErrors.push(`${event}: ${String(err)}`);
  }
}
