import type { Logger } from '@postern/log';

export interface LogLine {
  level: string;
  args: unknown[];
}

/** A Logger that keeps what it is given, so tests can check what would have been logged. */
export function recordingLogger(lines: LogLine[]): Logger {
  const at =
    (level: string) =>
    (...args: unknown[]): void => {
      lines.push({ level, args });
    };
  const logger = {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: () => logger,
  };
  return logger as unknown as Logger;
}
