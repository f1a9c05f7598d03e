import { Counter, Gauge } from 'prom-client';
import { Readings, registry } from './registry';

const tunnelsUp = new Readings();
const idleServerConnections = new Readings<'database'>();
const spooledBytes = new Readings();

/** What the agent counts: sessions per database, refusals, its tunnel, pooled connections, undelivered audit. */
export const agentMetrics = {
  sessions: new Counter({
    name: 'postern_agent_sessions_total',
    help: 'Sessions the roles allowed, by database, protocol and access_through (native: a database client; web: the SQL console).',
    labelNames: ['database', 'protocol', 'access_through'] as const,
    registers: [registry],
  }),
  activeSessions: new Gauge({
    name: 'postern_agent_active_sessions',
    help: 'Client connections the agent is serving now, by database and protocol.',
    labelNames: ['database', 'protocol'] as const,
    registers: [registry],
  }),
  refusedSessions: new Counter({
    name: 'postern_agent_refused_sessions_total',
    help: 'Sessions the agent refused, by database and reason: certificate (missing, foreign, expired, for another database) or roles (they do not allow it, or the user is locked).',
    labelNames: ['database', 'reason'] as const,
    registers: [registry],
  }),
  tunnelConnected: new Gauge({
    name: 'postern_agent_tunnel_connected',
    help: '1 while the agent has a tunnel to its proxy, else 0 (summed over agents when a process runs more than one).',
    registers: [registry],
    collect() {
      this.set(tunnelsUp.total());
    },
  }),
  tunnelFailures: new Counter({
    name: 'postern_agent_tunnel_failures_total',
    help: 'Tunnel attempts that failed or were refused, and tunnels that went down.',
    registers: [registry],
  }),
  idleServerConnections: new Gauge({
    name: 'postern_agent_idle_server_connections',
    help: 'PostgreSQL connections kept idle for reuse (reuse_connections), by database.',
    labelNames: ['database'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, n] of idleServerConnections.collect()) this.set(labels, n);
    },
  }),
  auditSpoolBytes: new Gauge({
    name: 'postern_agent_audit_spool_bytes',
    help: "Bytes of audit events in the agent's spool not yet delivered to the Auth Service; past the spool's limit the agent refuses new sessions.",
    registers: [registry],
    collect() {
      this.set(spooledBytes.total());
    },
  }),
};

/** A running agent's readings, taken at scrape time; the function returned stops reporting them. */
export function reportAgent(read: {
  tunnelConnected(): boolean;
  idleServerConnections(): Iterable<[string, number]>;
  auditSpoolBytes(): number;
}): () => void {
  const stops = [
    tunnelsUp.add(() => (read.tunnelConnected() ? 1 : 0)),
    idleServerConnections.add(() => [...read.idleServerConnections()].map(([database, n]) => [{ database }, n] as [{ database: string }, number])),
    spooledBytes.add(() => read.auditSpoolBytes()),
  ];
  return () => stops.forEach((stop) => stop());
}
