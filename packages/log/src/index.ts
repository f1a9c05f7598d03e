import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The one logger: JSON lines on stderr, so stdout stays free for what a command prints for
 * people and scripts. Secrets are redacted by key name wherever they appear, and queries
 * never go to ordinary logs (they belong to the audit log only).
 */
const root = pino(
  {
    level: process.env.POSTERN_LOG_LEVEL ?? 'info',
    base: { pid: process.pid },
    redact: {
      paths: ['password', 'token', 'otp', 'secret', 'privateKeyPem', 'authorization', '*.password', '*.token', '*.otp', '*.secret', '*.privateKeyPem', '*.authorization', 'db_query', '*.db_query'],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  },
  pino.destination({ fd: 2, sync: true }),
);

export function createLogger(component: string): Logger {
  return root.child({ component });
}
