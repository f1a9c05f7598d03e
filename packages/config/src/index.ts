export {
  configSchema,
  connectorSchema,
  type PosternConfig,
  type DatabaseConfig,
  type ConnectorConfig,
  type OidcConnectorConfig,
  type SamlConnectorConfig,
} from './schema';
export { parseConnector, parseConnectorYaml, connectorYaml } from './connector';
export { loadConfig, parseConfig, splitHostPort, type LoadOptions, type LoadedConfig } from './load';
export { ENV_SETTINGS } from './env';
export { ConfigError, type ConfigErrorCode } from './errors';
