export type ConfigErrorCode = 'config_unreadable' | 'config_syntax' | 'config_invalid';

export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  constructor(code: ConfigErrorCode, message: string) {
    super(message);
    this.name = 'ConfigError';
    this.code = code;
  }
}
