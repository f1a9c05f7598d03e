export interface JoinSettings {
  clusterName: string;
  /** The proxy's public host:port, as agents dial it. */
  proxyAddr: string;
  token: string;
  caPin: string;
}

/**
 * The postern.yaml an operator puts on the agent machine. It runs the agent alone (no web,
 * no proxy); the token is used once, after which the host identity lives in data_dir. The
 * database entry is an example to edit: the UI cannot know what the machine serves.
 */
export function agentConfigYaml(s: JoinSettings): string {
  return `cluster_name: ${s.clusterName}
data_dir: /var/lib/postern
web: { enabled: false }
proxy: { enabled: false }
agent:
  enabled: true
  name: db-host-1                  # how it shows under Admin → Agents
  proxy_addr: ${s.proxyAddr}
  join_token: ${s.token}
  ca_pin: ${s.caPin}
  databases:
    - name: orders                 # edit: the databases this machine serves
      protocol: postgres           # postgres | mysql
      uri: 127.0.0.1:5432
      ca_cert_file: /etc/postern/db-ca.pem
      labels: { env: prod }
`;
}

/** Run on the agent machine, next to the file above; it logs `postern ready` once joined. */
export const AGENT_START_COMMAND = 'postern start --config /etc/postern/postern.yaml';
