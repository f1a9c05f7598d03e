import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { PkiError, VerifiedCertificates, verifyUserCertificate, type DatabaseRoute, type UserIdentity } from '@postern/pki';
import { proxyMetrics, type ClientProtocol } from '@postern/metrics';
import type { AgentConnection, DialRequest, TunnelServer } from '@postern/tunnel';
import { NoAgentError, type AgentRouter } from './router';

/**
 * What both database ports do once a client's TLS is up, whatever its protocol: read the
 * route from its certificate, hand the connection to an agent, and splice the two. Each
 * protocol only words the refusals in its own error format.
 */

export interface RouteDeps {
  userCas: string[];
  clusterName: string;
  tunnels: TunnelServer;
  router: AgentRouter;
  reachable(identity: UserIdentity): Promise<string[]>;
}

/** Certificates verified against one list of trusted User CAs (a proxy's, fixed for its life). */
const verified = new WeakMap<string[], VerifiedCertificates>();
function verifiedFor(trusted: string[]): VerifiedCertificates {
  let v = verified.get(trusted);
  if (!v) verified.set(trusted, (v = new VerifiedCertificates()));
  return v;
}

export type Refusal = { kind: 'denied' | 'unreachable'; message: string; hint?: string };

export function clientRoute(
  client: TLSSocket,
  deps: RouteDeps,
  protocol: 'postgres' | 'mysql',
): { identity: UserIdentity; route: DatabaseRoute; certDer: Buffer } | Refusal {
  // The DER is all we need (the identity is read from it, and the agent gets it as is).
  // getPeerCertificate() would turn the certificate into a JS object first (names,
  // extensions, key, three fingerprints): about 2 % of the proxy's CPU under pgbench -C.
  const der = client.getPeerX509Certificate?.()?.raw;
  if (!der) return { kind: 'denied', message: 'no client certificate: Postern admits database clients by certificate', hint: 'run `postern db login NAME`, then `postern db connect NAME`' };
  let identity: UserIdentity;
  try {
    identity = verifiedFor(deps.userCas).get(`${deps.clusterName}\u0000${der.toString('base64')}`, () =>
      verifyUserCertificate(der, { trusted: deps.userCas, clusterName: deps.clusterName }),
    );
  } catch (err) {
    return { kind: 'denied', message: err instanceof PkiError ? err.message : `the client certificate could not be checked: ${(err as Error).message}` };
  }
  const route = identity.route;
  if (!route) return { kind: 'denied', message: 'this is a login certificate, not a database certificate', hint: 'run `postern db login NAME` and use the certificate it writes' };
  if (route.protocol !== protocol) {
    return { kind: 'denied', message: `this certificate is for the ${route.protocol} database "${route.service}"; ${protocol} clients need a certificate for a ${protocol} database` };
  }
  return { identity, route, certDer: der };
}

/** Dials an agent for the route; a failure is explained (unknown database, no agent online, …). */
export async function dialAgent(req: DialRequest, identity: UserIdentity, deps: RouteDeps): Promise<{ stream: Duplex; agent: AgentConnection } | Refusal> {
  const timer = proxyMetrics.dialSeconds.startTimer();
  try {
    const dialed = await deps.router.dial(req);
    timer({ protocol: req.meta.console === true ? 'console' : req.protocol });
    return dialed;
  } catch (err) {
    if (err instanceof NoAgentError && deps.tunnels.agentsFor(req.database).length === 0) {
      const reachable = await deps.reachable(identity).catch(() => [] as string[]);
      if (!reachable.includes(req.database)) {
        const hint = reachable.length > 0 ? `databases you can reach: ${reachable.join(', ')}` : 'no registered database is open to your roles';
        return { kind: 'denied', message: `unknown database "${req.database}"`, hint };
      }
      return {
        kind: 'unreachable',
        message: `no agent is online for database "${req.database}"`,
        hint: 'the database is registered, but the agent that serves it is not connected; try again when it is back',
      };
    }
    return { kind: 'unreachable', message: `cannot reach database "${req.database}": ${(err as Error).message}` };
  }
}

/** Counts a client turned away, for postern_proxy_refused_connections_total. */
export function countRefusal(protocol: ClientProtocol, kind: Refusal['kind']): void {
  proxyMetrics.refusedConnections.inc({ protocol, reason: kind });
}

/** Runs one admitted session's relay, counted in postern_proxy_client_connections_total and the active gauge. */
export async function relaySession(protocol: ClientProtocol, relay: () => Promise<void>): Promise<void> {
  proxyMetrics.clientConnections.inc({ protocol });
  proxyMetrics.activeSessions.inc({ protocol });
  try {
    await relay();
  } finally {
    proxyMetrics.activeSessions.dec({ protocol });
  }
}

export function isRefusal(x: object): x is Refusal {
  return 'kind' in x && (x.kind === 'denied' || x.kind === 'unreachable');
}

export { splice } from './splice';
