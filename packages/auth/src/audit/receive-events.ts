import { AuditError, parseAuditEvent, type AuditEvent } from '@postern/audit';
import type { HostCaller } from '../caller';
import type { AuthContext } from '../context';
import { AuthError } from '../errors';

/** Events from agents: validated as a whole batch, so a bad one rejects the batch and loses nothing. */
export async function receiveAuditEvents(ctx: AuthContext, _caller: HostCaller, raw: Record<string, unknown>[]): Promise<{ accepted: number }> {
  const events: AuditEvent[] = [];
  for (const [i, e] of raw.entries()) {
    try {
      events.push(parseAuditEvent(e));
    } catch (err) {
      if (err instanceof AuditError) throw new AuthError('bad_request', `events.${i}: ${err.message}`);
      throw err;
    }
  }
  for (const e of events) ctx.audit.emit(e);
  // Agents delete their copy once this answers, so answer only when it is stored.
  await ctx.audit.flush();
  return { accepted: events.length };
}
