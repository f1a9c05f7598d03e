import { formatIssues } from '@postern/validation';
import { parseDocument, stringify } from 'yaml';
import { ConfigError } from './errors';
import { connectorSchema, type ConnectorConfig } from './schema';

/**
 * One SSO connector, as the admin API and UI take it: the same schema as an entry of
 * auth.connectors in postern.yaml, so a connector moves between the two unchanged.
 */
export function parseConnector(raw: unknown, where = 'connector'): ConnectorConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError('config_invalid', `invalid ${where}: expected a mapping with name, type and the connector's settings`);
  }
  const result = connectorSchema.safeParse(raw);
  if (!result.success) throw new ConfigError('config_invalid', `invalid ${where}: ${formatIssues(result.error.issues)}`);
  return result.data;
}

/** The YAML (or JSON, which is YAML too) of one connector; `defaults` fill keys it leaves out (the name of the URL). */
export function parseConnectorYaml(text: string, where = 'connector', defaults: Record<string, unknown> = {}): ConnectorConfig {
  const doc = parseDocument(text, { prettyErrors: true });
  const first = doc.errors[0];
  if (first) throw new ConfigError('config_syntax', `${where}: YAML syntax error: ${first.message}`);
  const raw: unknown = doc.toJS();
  return parseConnector(raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? { ...defaults, ...raw } : raw, where);
}

export function connectorYaml(connector: Record<string, unknown>): string {
  return stringify(connector, { lineWidth: 0 });
}
