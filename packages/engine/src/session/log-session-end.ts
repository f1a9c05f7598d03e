import type { Logger } from '@postern/log';
import type { RelayOutcome } from '../io/relay';
import { describeError } from './describe-error';

/** Logs how a session's relay ended: a warning when we stopped it, else a debug line. */
export function logSessionEnd(log: Logger, protocol: 'postgres' | 'mysql', outcome: RelayOutcome, startedAt: number): void {
  const fields = { by: outcome.by, durationMs: Date.now() - startedAt, ...(outcome.error ? { err: describeError(outcome.error) } : {}) };
  if (outcome.by === 'inspector') log.warn(fields, `${protocol} session stopped`);
  // Debug, not info: a line per connection was a synchronous write to stderr for every
  // session (about 2 % of the agent's CPU under pgbench -C), and the audit log already
  // records each session's end (db.session.end).
  else log.debug(fields, `${protocol} session ended`);
}
