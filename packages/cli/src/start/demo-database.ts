import type { DatabaseConfig, LoadedConfig, PosternConfig } from '@postern/config';
import { createCsr, generateKeyPair, signDbServerCertificate, type CertAuthority } from '@postern/pki';

/** The name the quickstart's demo PostgreSQL is served under. */
export const DEMO_DATABASE = 'demo';

export type DemoDatabasePlan = { start: true } | { start: false; reason?: string };

/**
 * Whether `postern start` adds the quickstart's demo PostgreSQL next to the configured
 * databases, and when it is asked for but cannot be added, why (for the log). The demo's
 * server certificate comes from the Auth Service and the demo is served by the agent, so
 * both must run in this process.
 */
export function planDemoDatabase(config: PosternConfig): DemoDatabasePlan {
  if (config.agent.demo_database !== true) return { start: false };
  if (!config.web.enabled || !config.agent.enabled) {
    return {
      start: false,
      reason: 'the demo database runs only when web and agent run in the same process; not started (set agent.demo_database: false to silence this)',
    };
  }
  if (config.agent.databases.some((d) => d.name === DEMO_DATABASE)) {
    return {
      start: false,
      reason: `a database named "${DEMO_DATABASE}" is configured already, so the quickstart's demo PostgreSQL is not started (rename yours to get both, or set agent.demo_database: false)`,
    };
  }
  return { start: true };
}

/** The quickstart's demo PostgreSQL, with a server certificate from the DB Client CA. */
export async function startDemoDatabase(loaded: LoadedConfig, dbClientCa: CertAuthority) {
  const { startDemoPostgres, demoPostgresDir } = await import('@postern/local-postgres');
  const key = await generateKeyPair();
  const serverCertPem = signDbServerCertificate(dbClientCa, createCsr(key, '127.0.0.1'), ['127.0.0.1', 'localhost'], 365 * 24 * 3600_000);
  return startDemoPostgres({ dir: demoPostgresDir(loaded.dataDir), serverCertPem, serverKeyPem: key.privateKeyPem, clientCaPem: dbClientCa.certPem });
}

const PROTOCOL_NAMES: Record<DatabaseConfig['protocol'], string> = { postgres: 'PostgreSQL', mysql: 'MySQL' };

/**
 * The start-up summary's lines for the databases the agent of this process serves: what
 * each is, where the agent reaches it, and how a person connects through Postern.
 */
export function databaseSummaryLines(configured: readonly Pick<DatabaseConfig, 'name' | 'protocol' | 'uri'>[], demoUri: string | undefined): string[] {
  const lines = configured.map(
    (d, i) => `  ${(i === 0 ? 'Databases:' : '').padEnd(16)}${d.name} (${PROTOCOL_NAMES[d.protocol]} at ${d.uri}): postern db connect ${d.name} --db-user USER --db-name DB`,
  );
  if (demoUri !== undefined) {
    lines.push(`  ${'Demo database:'.padEnd(16)}${DEMO_DATABASE} (PostgreSQL at ${demoUri}): postern db connect ${DEMO_DATABASE} --db-user postgres --db-name demo`);
  }
  return lines;
}
