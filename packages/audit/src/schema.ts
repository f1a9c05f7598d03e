import { z } from 'zod';
import { codeFor, type CodedEventName } from './codes';
import { agentDelete, certCreate, instanceJoin, joinTokenCreate, roleCreated, roleDeleted } from './events/cluster';
import { oidcCreated, oidcDeleted, samlCreated, samlDeleted } from './events/connector';
import { dbSessionEnd, dbSessionMysqlInitDb, dbSessionQuery, dbSessionStart } from './events/db';
import { userCreate, userDelete, userLogin, userUpdate } from './events/user';

function eventName(input: unknown): unknown {
  return typeof input === 'object' && input !== null && 'event' in input ? input.event : undefined;
}

const union = z.discriminatedUnion('event', [
  userLogin,
  userCreate,
  userUpdate,
  userDelete,
  roleCreated,
  roleDeleted,
  oidcCreated,
  oidcDeleted,
  samlCreated,
  samlDeleted,
  joinTokenCreate,
  instanceJoin,
  agentDelete,
  certCreate,
  dbSessionStart,
  dbSessionEnd,
  dbSessionQuery,
  dbSessionMysqlInitDb,
], {
  // Zod would list every name; the unknown one is what the reader needs.
  error: (issue) => {
    if (issue.code !== 'invalid_union') return undefined;
    const name = eventName(issue.input);
    return name === undefined ? 'expected an event name' : `unknown event ${JSON.stringify(name)}`;
  },
});

/** Every audit event Postern writes, discriminated by `event`. */
export const auditEventSchema = union.superRefine((event, ctx) => {
  // The code is derived from the event, its outcome and (for logins) the method; a stored
  // event whose code disagrees would be found by the wrong searches.
  const success = event.success ?? true;
  const expected = codeFor(event.event, success, event.event === 'user.login' ? event.method : undefined);
  if (expected === undefined) {
    ctx.addIssue({ code: 'custom', path: ['success'], message: `${event.event} has no failure form` });
  } else if (event.code !== expected) {
    ctx.addIssue({
      code: 'custom',
      path: ['code'],
      message: `expected ${JSON.stringify(expected)} for ${event.event} with success=${success}`,
    });
  }
});

export type AuditEvent = z.infer<typeof auditEventSchema>;
/** What makeEvent accepts: defaults (ei, db_query_parameters, method) may be left out. */
export type AuditEventInput = z.input<typeof auditEventSchema>;
export type AuditEventName = AuditEvent['event'];
export type AuditEventOf<N extends AuditEventName> = Extract<AuditEvent, { event: N }>;

/** The event names, in documentation order. */
export const AUDIT_EVENT_NAMES: readonly AuditEventName[] = Object.freeze(union.options.map((o) => o.shape.event.value));

// Compile-time guard: every event has codes and every code table entry is an event.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _codesCoverEvents: Same<AuditEventName, CodedEventName> = true;
void _codesCoverEvents;
