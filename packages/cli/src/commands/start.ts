import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, REUSE_CONNECTIONS_OFF, splitHostPort, type LoadedConfig } from '@postern/config';
import { createLogger } from '@postern/log';
import { certificateFingerprint } from '@postern/pki';
import type { AuthService } from '@postern/auth';
import type { Command } from 'commander';
import { CliError } from '../errors';
import { DEMO_DATABASE, databaseSummaryLines, planDemoDatabase, startDemoDatabase } from '../start/demo-database';
import { startEmbeddedAgent } from '../start/embedded-agent';
import type { Part } from '../start/part';

/**
 * The web app's server, loaded by name: importing its types would bring Next.js's global
 * type augmentations (a required NODE_ENV, …) into every CLI file.
 */
const WEB_SERVER = '@postern/web/server';
interface WebServerModule {
  startWeb(loaded: LoadedConfig, opts: { publicUrl?: string }): Promise<{ url: string; publicUrl: string; auth: AuthService; close(): Promise<void> }>;
}

/** Stops every part and ends the process with `code` (0 for a signal). */
type Shutdown = (why: string, code: number) => void;

/**
 * The exit code of an agent-only `postern start` whose agent an admin removed, at start or
 * later: 78 (EX_CONFIG in sysexits.h), not the 1 of other errors, so that a supervisor can be
 * told not to restart it (systemd: RestartPreventExitStatus=78): started again, it is only
 * refused again, until someone joins it with a new token.
 */
const EXIT_AGENT_REMOVED = 78;

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

/**
 * Starts the parts the config enables, in order: web (Auth Service), proxy, the demo
 * database (agent.demo_database), agent. `start` is the processes' composition root, so it
 * alone loads the apps.
 */
async function startParts(loaded: LoadedConfig, parts: Part[], shutdown: Shutdown): Promise<Record<string, string>> {
  const { config } = loaded;
  const log = createLogger('start');
  const addresses: Record<string, string> = {};
  const demoPlan = planDemoDatabase(config);
  if (!demoPlan.start && demoPlan.reason) log.warn({ demo_database: true }, demoPlan.reason);
  // What the config lists, for the summary; the demo is added to the agent's list below.
  const configured = [...config.agent.databases];
  if ((config.proxy.enabled || config.agent.enabled) && !config.web.enabled && config.proxy.enabled) {
    throw new CliError('proxy: a proxy runs next to the web app in this release; enable web too');
  }
  // First, so that an operator's probe sees the process while the rest starts.
  if (config.metrics.listen) {
    const { startMetricsServer, MetricsServerError } = await import('@postern/metrics');
    const metrics = await startMetricsServer(splitHostPort(config.metrics.listen)).catch((err: unknown) => {
      throw err instanceof MetricsServerError ? new CliError(err.message) : err;
    });
    parts.push({ name: 'metrics', close: () => metrics.close() });
    addresses.metrics = `http://${metrics.address}/metrics`;
  }
  if (!config.web.enabled) {
    if (config.agent.enabled) {
      const { startAgent, AgentRemovedError } = await import('@postern/agent/server');
      const agent = await startAgent(loaded).catch((err: unknown) => {
        // Removed by an admin: there is nothing to run; the Auth Service's message says who
        // did it, when, and how to join again.
        throw err instanceof AgentRemovedError ? new CliError(err.message, EXIT_AGENT_REMOVED) : err;
      });
      parts.push({ name: 'agent', close: () => agent.close() });
      addresses.agent = agent.hostId;
      // Removed while it runs: the agent has stopped itself, and it was all this process ran.
      void agent.removed.then((err) => {
        log.error({ err: err.message, host_id: err.hostId }, 'the agent was removed from the cluster; postern start exits');
        shutdown('agent removed', EXIT_AGENT_REMOVED);
      });
    }
    return addresses;
  }

  const publicHost = splitHostPort(config.proxy.public_addr).host;
  const publicUrl = config.web.public_url || (config.proxy.enabled ? `https://${config.proxy.public_addr}` : undefined);
  const { startWeb } = (await import(WEB_SERVER)) as WebServerModule;
  const web = await startWeb(loaded, { publicUrl });
  parts.push({ name: 'web', close: () => web.close() });
  addresses.web = web.url;
  const hostCa = web.auth.ctx.cas.host.certPem;
  const hostCaFile = path.join(loaded.dataDir, 'host-ca.pem');
  writeFileSync(hostCaFile, hostCa);

  let proxyAddr: string | undefined;
  if (config.proxy.enabled) {
    const { startProxy } = await import('@postern/proxy/server');
    const names = { hostname: publicHost, dnsNames: [...new Set([publicHost, 'localhost'])].filter((h) => !isIp(h)), ips: [...new Set(['127.0.0.1', '::1', ...(isIp(publicHost) ? [publicHost] : [])])] };
    const identity = await web.auth.localHostIdentity('proxy', names);
    const proxy = await startProxy({
      listen: config.proxy.listen,
      mysqlListen: config.proxy.mysql_listen,
      clusterName: config.cluster_name,
      identity: { hostId: identity.hostId, keyPem: identity.keyPem, certPem: identity.certPem, ca: { user: identity.ca.user, host: identity.ca.host } },
      webUrl: web.url,
      reachable: (id) => web.auth.reachableDatabases(id),
      // Agents an admin removed: the proxy refuses their tunnels and closes those they have.
      revokedAgents: () => web.auth.revokedHostIds(),
      // The browser console: this process's Auth Service redeems tickets from the store, so a
      // ticket issued by another replica on the same PostgreSQL is redeemed here too.
      console: {
        origins: [...new Set([new URL(`https://${config.proxy.public_addr}`).origin, new URL(web.publicUrl).origin])],
        redeem: (ticket, cookie) => web.auth.redeemConsoleTicket(ticket, cookie),
      },
    });
    parts.push({ name: 'proxy', close: () => proxy.close() });
    addresses.proxy = proxy.address;
    if (proxy.mysqlAddress) addresses.mysql = proxy.mysqlAddress;
    proxyAddr = proxy.address;
  }
  if (demoPlan.start) {
    const demo = await startDemoDatabase(loaded, web.auth.ctx.cas.db_client);
    parts.push({ name: 'demo database', close: () => demo.stop() });
    config.agent.databases.push({ name: DEMO_DATABASE, protocol: 'postgres', uri: demo.uri, ca_cert_file: '', labels: { env: 'dev' }, reuse_connections: REUSE_CONNECTIONS_OFF });
    addresses.demo = demo.uri;
  }
  if (config.agent.enabled) {
    const identity = await web.auth.localHostIdentity('agent', { hostname: 'local-agent', dnsNames: [], ips: [] });
    const agent = await startEmbeddedAgent(loaded, { local: { identity, authUrl: web.url } }, parts);
    if (agent) addresses.agent = agent.hostId;
  }

  const first = await web.auth.firstAdminLink();
  const loginTarget = config.proxy.enabled ? config.proxy.public_addr : web.url;
  // One write: whoever reads this output sees the whole summary at once, not half of it.
  const summary: string[] = [];
  summary.push(`Postern is running (cluster ${config.cluster_name}, data in ${loaded.dataDir}).`);
  summary.push(`  Web UI and API: ${web.publicUrl}`);
  if (proxyAddr) summary.push(`  Proxy:          ${proxyAddr} (PostgreSQL, agents, HTTPS), ${addresses.mysql} (MySQL)`);
  if (addresses.metrics) summary.push(`  Metrics:        ${addresses.metrics} (Prometheus), /healthz`);
  // The databases the agent of this process serves; remote agents' show in `postern db ls`.
  if (config.agent.enabled) summary.push(...databaseSummaryLines(configured, addresses.demo));
  summary.push(`  Host CA:        ${hostCaFile} (sha256:${certificateFingerprint(hostCa)})`);
  summary.push(`  Sign in:        postern login --proxy ${loginTarget}${config.proxy.enabled ? ` --ca-file ${hostCaFile}` : ''} --user NAME`);
  if (first) {
    summary.push(`  First admin:    open ${first.url}`);
    summary.push(`                  to set the password of user "${first.user}" (link valid until ${first.expires.toISOString()})`);
  }
  console.log(summary.join('\n'));
  log.debug({ parts: parts.map((p) => p.name) }, 'parts started');
  return addresses;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run what the config enables: web (UI + Auth Service), proxy, agent')
    .option('-c, --config <file>', 'postern.yaml (default: the embedded default)')
    .option('-d, --data-dir <dir>', 'where the store, CAs and keys live (default ./.postern)')
    .action(async (opts: { config?: string; dataDir?: string }) => {
      const log = createLogger('start');
      const loaded = loadConfig({ file: opts.config, dataDir: opts.dataDir });
      const parts: Part[] = [];
      let stopping = false;
      const stop = async (why: string, code: number) => {
        if (stopping) return;
        stopping = true;
        log.info({ reason: why }, 'shutting down');
        for (const part of [...parts].reverse()) {
          await part.close().catch((err: unknown) => log.error({ err, part: part.name }, 'shutdown failed'));
        }
        log.info({ exit_code: code }, 'stopped');
        process.exit(code);
      };
      process.once('SIGINT', () => void stop('SIGINT', 0));
      process.once('SIGTERM', () => void stop('SIGTERM', 0));
      // A bug that escapes every handler must leave a trace in the log, not just an exit code.
      process.on('uncaughtException', (err) => {
        log.fatal({ err }, 'uncaught exception; exiting');
        process.exit(70);
      });
      process.on('unhandledRejection', (err) => {
        log.fatal({ err }, 'unhandled promise rejection; exiting');
        process.exit(70);
      });
      let addresses: Record<string, string>;
      try {
        addresses = await startParts(loaded, parts, (why, code) => void stop(why, code));
      } catch (err) {
        for (const part of [...parts].reverse()) await part.close().catch(() => undefined);
        throw err;
      }
      log.info(addresses, 'postern ready');
    });
}
