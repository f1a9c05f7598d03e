import { parse } from 'yaml';
import { ConfigError } from './errors';

/**
 * Every scalar setting can come from the environment: the key path upper-cased and joined
 * with '_' behind POSTERN_, e.g. web.listen → POSTERN_WEB_LISTEN. The mapping goes from
 * the known paths to names, so keys that contain '_' (proxy.mysql_listen) stay unambiguous.
 * The agent's databases come as one YAML (or JSON) list in POSTERN_AGENT_DATABASES, which
 * replaces the file's list, as every variable replaces the setting it names.
 */
export const ENV_SETTINGS: Record<string, string> = {
  POSTERN_CLUSTER_NAME: 'cluster_name',
  POSTERN_DATA_DIR: 'data_dir',
  POSTERN_STORE_URL: 'store.url',
  // The name ARCHITECTURE.md uses for the shared store of replicas.
  POSTERN_DATABASE_URL: 'store.url',
  POSTERN_AUTH_SECOND_FACTOR: 'auth.second_factor',
  POSTERN_WEB_ENABLED: 'web.enabled',
  POSTERN_WEB_LISTEN: 'web.listen',
  POSTERN_WEB_PUBLIC_URL: 'web.public_url',
  POSTERN_PROXY_ENABLED: 'proxy.enabled',
  POSTERN_PROXY_LISTEN: 'proxy.listen',
  POSTERN_PROXY_MYSQL_LISTEN: 'proxy.mysql_listen',
  POSTERN_PROXY_PUBLIC_ADDR: 'proxy.public_addr',
  POSTERN_METRICS_LISTEN: 'metrics.listen',
  POSTERN_AGENT_ENABLED: 'agent.enabled',
  POSTERN_AGENT_PROXY_ADDR: 'agent.proxy_addr',
  POSTERN_AGENT_JOIN_TOKEN: 'agent.join_token',
  POSTERN_AGENT_CA_PIN: 'agent.ca_pin',
  POSTERN_AGENT_NAME: 'agent.name',
  POSTERN_AGENT_DATABASES: 'agent.databases',
  POSTERN_AGENT_DEMO_DATABASE: 'agent.demo_database',
};

export type Env = Readonly<Record<string, string | undefined>>;

const BOOLEAN_PATHS = new Set(['web.enabled', 'proxy.enabled', 'agent.enabled', 'agent.demo_database']);
/** Settings whose value is a YAML (or JSON) document, e.g. `[{name: shop, protocol: mysql, uri: "10.0.0.5:3306"}]`. */
const YAML_PATHS = new Set(['agent.databases']);

function parseBoolean(name: string, value: string): boolean | string {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  // Left as a string so that validation reports the variable's path with a message.
  return `${name}=${value}`;
}

function parseYaml(name: string, value: string): unknown {
  try {
    return parse(value);
  } catch (err) {
    const why = (err as Error).message.split('\n')[0];
    throw new ConfigError('config_syntax', `${name}: YAML syntax error: ${why} (expected a list, e.g. [{name: shop, protocol: mysql, uri: "127.0.0.1:3306"}])`);
  }
}

function parseValue(name: string, path: string, value: string): unknown {
  if (BOOLEAN_PATHS.has(path)) return parseBoolean(name, value);
  if (YAML_PATHS.has(path)) return parseYaml(name, value);
  return value;
}

/** Writes the environment's settings over the raw (not yet validated) config object. */
export function applyEnvironment(raw: Record<string, unknown>, env: Env): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(raw);
  for (const [name, path] of Object.entries(ENV_SETTINGS)) {
    const value = env[name];
    if (value === undefined) continue;
    const keys = path.split('.');
    let node: Record<string, unknown> = out;
    for (const key of keys.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    const leaf = keys[keys.length - 1]!;
    node[leaf] = parseValue(name, path, value);
  }
  return out;
}
