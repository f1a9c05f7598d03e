import { randomUUID } from 'node:crypto';
import { EVENT_CODES, codeFor } from './codes';
import { AuditError } from './errors';
import { parseAuditEvent } from './parse';
import type { AuditEventInput, AuditEventName, AuditEventOf } from './schema';

/** What the caller supplies; the rest (uid, time, code, ei, cluster_name) is filled in. */
export type MakeEventFields<N extends AuditEventName> = Omit<
  Extract<AuditEventInput, { event: N }>,
  'event' | 'code' | 'time' | 'uid' | 'ei' | 'cluster_name' | 'success'
> & { success?: boolean; ei?: number; time?: Date };

/**
 * Builds a complete, validated event. The code follows from the name and `success`
 * (default true), so callers cannot pair a failure with a success code.
 */
export function makeEvent<N extends AuditEventName>(
  name: N,
  fields: MakeEventFields<N>,
  clusterName: string,
): AuditEventOf<N> {
  const { success, ei, time, ...rest } = fields;
  const ok = success ?? true;
  const when = time ?? new Date();
  if (Number.isNaN(when.getTime())) throw new AuditError('event_invalid', `invalid audit event: time: invalid date`);
  const method = 'method' in rest && typeof rest.method === 'string' ? rest.method : undefined;
  const code = codeFor(name, ok, method);
  if (code === undefined) throw new AuditError('event_invalid', `invalid audit event: ${name} has no failure form`);
  // Events that can fail always say whether they did, so searches for failures are exact.
  const hasFailure = 'failure' in EVENT_CODES[name];
  const event = {
    ...rest,
    event: name,
    code,
    time: when.toISOString(),
    uid: randomUUID(),
    cluster_name: clusterName,
    ei: ei ?? 0,
    ...(success !== undefined || hasFailure ? { success: ok } : {}),
  };
  return parseAuditEvent(event) as AuditEventOf<N>;
}
