import { readFileSync } from 'node:fs';
import type { DatabaseConfig } from '@postern/config';
import type { DatabaseTarget } from '@postern/engine';

export class DatabaseConfigError extends Error {
  override name = 'DatabaseConfigError';
}

/** The databases from the config, each with the CA its server certificate must chain to. */
export function loadDatabases(configs: DatabaseConfig[], dbClientCa: string[]): Map<string, DatabaseTarget> {
  const out = new Map<string, DatabaseTarget>();
  for (const d of configs) {
    let caPem = dbClientCa.join('\n');
    if (d.ca_cert_file) {
      try {
        caPem = readFileSync(d.ca_cert_file, 'utf8');
      } catch (err) {
        throw new DatabaseConfigError(`agent.databases ${d.name}: cannot read ca_cert_file ${d.ca_cert_file}: ${(err as Error).message}`);
      }
    }
    const reuse = d.reuse_connections;
    out.set(d.name, {
      name: d.name,
      protocol: d.protocol,
      uri: d.uri,
      caPem,
      labels: d.labels,
      ...(reuse.enabled
        ? { reuseConnections: { maxIdle: reuse.max_idle, idleTimeoutMs: reuse.idle_timeout_seconds * 1_000, maxLifetimeMs: reuse.max_lifetime_seconds * 1_000 } }
        : {}),
    });
  }
  return out;
}
