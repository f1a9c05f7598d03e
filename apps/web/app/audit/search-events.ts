import { auditSearchQuery, type AuditSearchResponse } from '@postern/api';
import type { UserCaller } from '@postern/auth';
import { formatIssues } from '@postern/validation';
import { authService } from '../../lib/auth-service';

export type SearchOutcome = ({ ok: true } & AuditSearchResponse) | { ok: false; error: string };

/**
 * The audit search of GET /api/v1/audit/events, called in-process for the pages. The URL
 * is typed by people, so it is validated by the API's own schema and a bad value becomes a
 * message on the page rather than a server error.
 */
export async function searchEvents(caller: UserCaller, input: Record<string, string | number>): Promise<SearchOutcome> {
  const parsed = auditSearchQuery.safeParse(input);
  if (!parsed.success) return { ok: false, error: `invalid search: ${formatIssues(parsed.error.issues)}` };
  try {
    return { ok: true, ...(await authService().searchAuditEvents(caller, parsed.data)) };
  } catch (err) {
    const e = err as { name?: string; code?: string; message?: string };
    if (e.name === 'AuthError' && e.code === 'bad_request') return { ok: false, error: e.message ?? 'invalid search' };
    throw err;
  }
}

/** One event by uid, as GET /api/v1/audit/events/<uid> answers it: undefined when there is no such event. */
export async function getEvent(caller: UserCaller, uid: string): Promise<{ ok: true; event: Record<string, unknown> } | undefined> {
  try {
    return { ok: true, event: await authService().getAuditEvent(caller, uid) };
  } catch (err) {
    if ((err as { code?: string }).code === 'not_found') return undefined;
    throw err;
  }
}
