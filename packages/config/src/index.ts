export { configSchema, type PosternConfig, type DatabaseConfig, type ConnectorConfig } from './schema';
export { loadConfig, parseConfig, splitHostPort, type LoadOptions, type LoadedConfig } from './load';
export { ENV_SETTINGS } from './env';
export { ConfigError, type ConfigErrorCode } from './errors';
