import { Counter, Gauge, Histogram } from 'prom-client';
import { Readings, registry } from './registry';

export type ClientProtocol = 'postgres' | 'mysql' | 'console';

/** Why the proxy turned a client away before any agent had it (see apps/proxy/src/client-route.ts). */
export type ProxyRefusal = 'denied' | 'unreachable';

const connectedAgents = new Readings();

/** What the proxy counts; an operator's first questions: how many clients, refused why, agents there. */
export const proxyMetrics = {
  clientConnections: new Counter({
    name: 'postern_proxy_client_connections_total',
    help: 'Database client connections handed to an agent, by protocol (console: the web SQL console).',
    labelNames: ['protocol'] as const,
    registers: [registry],
  }),
  activeSessions: new Gauge({
    name: 'postern_proxy_active_sessions',
    help: 'Client sessions being relayed to an agent now, by protocol.',
    labelNames: ['protocol'] as const,
    registers: [registry],
  }),
  refusedConnections: new Counter({
    name: 'postern_proxy_refused_connections_total',
    help: 'Client connections refused before reaching an agent, by protocol and reason: denied (certificate, roles, unknown database) or unreachable (no agent online, the dial failed).',
    labelNames: ['protocol', 'reason'] as const,
    registers: [registry],
  }),
  dialSeconds: new Histogram({
    name: 'postern_proxy_dial_seconds',
    help: "Time from asking an agent for a client's database to the agent's answer (a round trip through the tunnel, and the agent's checks), for dials that succeeded.",
    labelNames: ['protocol'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  }),
  connectedAgents: new Gauge({
    name: 'postern_proxy_connected_agents',
    help: 'Agents with a tunnel to this proxy now.',
    registers: [registry],
    collect() {
      this.set(connectedAgents.total());
    },
  }),
};

/** A proxy reports its tunnels' agent count while it runs; call the returned function when it closes. */
export function reportConnectedAgents(count: () => number): () => void {
  return connectedAgents.add(count);
}
