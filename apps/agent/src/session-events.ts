import { randomUUID } from 'node:crypto';
import { codeFor, makeEvent, type AuditEvent } from '@postern/audit';
import type { AuditEventDraft } from '@postern/engine';

/**
 * The audit log keeps the first 64 KiB of a statement: enough to read any query a person
 * writes, while a 20 MiB INSERT of a blob cannot make an event too large to deliver.
 */
export const MAX_AUDITED_QUERY = 64 * 1024;

export function truncateQuery(sql: string): string {
  if (sql.length <= MAX_AUDITED_QUERY) return sql;
  return `${sql.slice(0, MAX_AUDITED_QUERY)}… [truncated: ${Buffer.byteLength(sql)} bytes in all]`;
}

/** What every event of one session carries; fixed when the session starts. */
export interface SessionFields {
  user: string;
  sid: string;
  db_service: string;
  db_protocol: 'postgres' | 'mysql';
  db_uri: string;
  db_name: string;
  db_user: string;
  access_through: 'native' | 'web';
  /** The client's address, on db.session.start only. */
  addr?: string;
}

/**
 * Event names with the fixed session fields they passed the schema with: the sessions of
 * one user on one database as one db user share them. Bounded; forgetting only means the
 * schema checks one more event.
 */
const validated = new Set<string>();
const MAX_VALIDATED = 10_000;

const isString = (v: unknown): v is string => typeof v === 'string';
const optional = (v: unknown, is: (v: unknown) => boolean): boolean => v === undefined || is(v);

/**
 * Turns one session's drafts into complete audit events.
 *
 * The schema (zod, through makeEvent) checks an event name once per set of fixed session
 * fields, not every event: later events differ from that one only in values whose types
 * are checked here (a statement, its parameters, success and error, the client's
 * address, a sid and uid that are UUIDs), so they are built directly. Under pgbench the
 * schema had cost the agent about a tenth of its CPU per query, and three checks per new
 * connection. Anything unexpected in a draft takes the schema's path, which refuses it
 * with the schema's message; the Auth Service validates every event it receives as well.
 */
export class SessionEvents {
  private ei = 0;
  private readonly shape: string;

  constructor(
    private readonly fields: SessionFields,
    private readonly clusterName: string,
  ) {
    const f = fields;
    // Everything fixed the schema looks at; sid and addr vary per session and are checked by type.
    this.shape = [clusterName, f.user, f.sid === '' ? '' : 'sid', f.db_service, f.db_protocol, f.db_uri, f.db_name, f.db_user, f.access_through].join('\u0000');
  }

  build(draft: AuditEventDraft): AuditEvent {
    const key = `${draft.event}\u0000${this.shape}`;
    if (validated.has(key)) {
      const direct = this.direct(draft);
      if (direct) return direct;
    }
    const event = this.checked(draft);
    if (validated.size >= MAX_VALIDATED) validated.clear();
    validated.add(key);
    return event;
  }

  /** The full path: the zod schema checks every field. Throws AuditError for a bad draft. */
  private checked(draft: AuditEventDraft): AuditEvent {
    const { addr, ...common } = this.fields;
    const { event, ...rest } = draft as { event: string } & Record<string, unknown>;
    if (typeof rest.db_query === 'string') rest.db_query = truncateQuery(rest.db_query);
    const fields = { ...common, ...(event === 'db.session.start' && addr ? { addr } : {}), ...rest, ei: this.ei++ };
    return makeEvent(event as 'db.session.query', fields as never, this.clusterName);
  }

  /**
   * The session events, built without the schema once their shape passed it. Undefined
   * for anything else or anything unusual, which then goes through the schema.
   */
  private direct(draft: AuditEventDraft): AuditEvent | undefined {
    const d = draft as Record<string, unknown>;
    const keys = Object.keys(d).length;
    switch (draft.event) {
      case 'db.session.query': {
        const { db_query: sql, db_query_parameters: params, success, error } = d;
        if (!isString(sql) || !optional(success, (v) => typeof v === 'boolean') || !optional(error, isString)) return undefined;
        if (params !== undefined && !(Array.isArray(params) && params.every(isString))) return undefined;
        if (keys !== 2 + Number(params !== undefined) + Number(success !== undefined) + Number(error !== undefined)) return undefined;
        return this.event('db.session.query', success !== false, error as string | undefined, { db_query: truncateQuery(sql), db_query_parameters: (params as string[] | undefined) ?? [] });
      }
      case 'db.session.start': {
        const { success, error } = d;
        if (typeof success !== 'boolean' || !optional(error, isString) || keys !== 2 + Number(error !== undefined)) return undefined;
        const addr = this.fields.addr;
        return this.event('db.session.start', success, error as string | undefined, addr ? { addr } : {});
      }
      case 'db.session.end':
        // No failure form: a draft with more than the name goes through the schema.
        return keys === 1 ? this.event('db.session.end', undefined, undefined, {}) : undefined;
      case 'db.session.mysql.init_db': {
        const { schema_name: schema } = d;
        return isString(schema) && keys === 2 ? this.event('db.session.mysql.init_db', undefined, undefined, { schema_name: schema }) : undefined;
      }
      default:
        return undefined;
    }
  }

  /** An event as makeEvent builds it: success is present when given or when the event can fail. */
  private event(
    name: 'db.session.start' | 'db.session.end' | 'db.session.query' | 'db.session.mysql.init_db',
    success: boolean | undefined,
    error: string | undefined,
    extra: Record<string, unknown>,
  ): AuditEvent {
    const f = this.fields;
    const canFail = name === 'db.session.start' || name === 'db.session.query';
    return {
      event: name,
      code: codeFor(name, success ?? true)!,
      time: new Date().toISOString(),
      uid: randomUUID(),
      cluster_name: this.clusterName,
      user: f.user,
      sid: f.sid,
      ei: this.ei++,
      ...(success !== undefined || canFail ? { success: success ?? true } : {}),
      ...(error !== undefined ? { error } : {}),
      db_service: f.db_service,
      db_protocol: f.db_protocol,
      db_uri: f.db_uri,
      db_name: f.db_name,
      db_user: f.db_user,
      access_through: f.access_through,
      ...extra,
    } as AuditEvent;
  }
}
