export {
  configSchema,
  REUSE_CONNECTIONS_OFF,
  connectorSchema,
  type PosternConfig,
  type DatabaseConfig,
  type ReuseConnectionsConfig,
  type ConnectorConfig,
  type OidcConnectorConfig,
  type SamlConnectorConfig,
} from './schema';
export { parseConnector, parseConnectorYaml, connectorYaml } from './connector';
export { loadConfig, parseConfig, splitHostPort, type LoadOptions, type LoadedConfig } from './load';
export { ENV_SETTINGS } from './env';
export { ConfigError, type ConfigErrorCode } from './errors';
