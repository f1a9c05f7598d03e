import { parseDuration } from './duration';
import type { Role } from './schema';

export interface ConsoleLimits {
  /** Rows of one statement the console shows at most; undefined: no limit. */
  maxRows?: number;
  /** How long one statement may run, in milliseconds; undefined: no limit. */
  maxStatementMs?: number;
  /** Statements run in read-only transactions. */
  readOnly: boolean;
}

/**
 * The browser console's limits for a user holding these roles. As with max_session_ttl, the
 * strictest role wins, whatever databases the roles are about: adding a role can never lift
 * a limit that another role sets.
 */
export function consoleLimits(roles: readonly Role[]): ConsoleLimits {
  const out: ConsoleLimits = { readOnly: false };
  for (const role of roles) {
    const o = role.spec.options;
    if (!o) continue;
    if (o.console_max_rows !== undefined) out.maxRows = Math.min(out.maxRows ?? Infinity, o.console_max_rows);
    if (o.console_max_statement_duration !== undefined) {
      out.maxStatementMs = Math.min(out.maxStatementMs ?? Infinity, parseDuration(o.console_max_statement_duration));
    }
    if (o.console_read_only === true) out.readOnly = true;
  }
  return out;
}
