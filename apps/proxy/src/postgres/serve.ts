import type { Socket } from 'node:net';
import { pipeline } from 'node:stream';
import type tls from 'node:tls';
import type { Logger } from '@postern/log';
import { PkiError, verifyUserCertificate, type UserIdentity } from '@postern/pki';
import { readStartup, sendError } from '@postern/postgres';
import type { TunnelServer } from '@postern/tunnel';
import { NoAgentError, type AgentRouter } from '../router';
import { upgradeToTlsServer } from '../tls-upgrade';
import { BackendKeySniffer } from './backend-key-sniffer';
import type { CancelRegistry } from './cancel-registry';

export interface PostgresDeps {
  secureContext: tls.SecureContext;
  userCas: string[];
  clusterName: string;
  tunnels: TunnelServer;
  router: AgentRouter;
  cancels: CancelRegistry;
  /** Names of the databases this identity may reach, for "unknown database" messages. */
  reachable(identity: UserIdentity): Promise<string[]>;
  log: Logger;
}

const INVALID_AUTH = '28000';
const CANNOT_CONNECT = '08001';


function describeCertProblem(err: unknown): string {
  if (err instanceof PkiError) return err.message;
  return `the client certificate could not be checked: ${(err as Error).message}`;
}

/** One PostgreSQL client: startup (TLS), certificate → route, hand-off to an agent. */
export async function servePostgres(raw: Socket, deps: PostgresDeps): Promise<void> {
  const { log } = deps;
  const started = await readStartup(raw, { upgradeToTls: (s) => upgradeToTlsServer(s as Socket, deps.secureContext) });
  if (started.kind === 'cancel') {
    await forwardCancel(started.pid, started.key, deps);
    raw.destroy();
    return;
  }
  if (started.kind !== 'startup') return;
  const client = started.socket as tls.TLSSocket;
  const fail = (code: string, message: string, hint?: string) => sendError(client, { code, message, ...(hint ? { hint } : {}) });
  // The certificate is only known once the TLS handshake is done, which readStartup did.

  const peer = client.getPeerCertificate?.(false) as (tls.PeerCertificate & { raw?: Buffer }) | undefined;
  if (!peer?.raw) {
    return fail(INVALID_AUTH, 'no client certificate: Postern admits PostgreSQL clients by certificate', 'run `postern db login NAME`, then connect with psql "service=postern-NAME"');
  }
  let identity: UserIdentity;
  try {
    identity = verifyUserCertificate(peer.raw, { trusted: deps.userCas, clusterName: deps.clusterName });
  } catch (err) {
    return fail(INVALID_AUTH, describeCertProblem(err));
  }
  const route = identity.route;
  if (!route) {
    return fail(INVALID_AUTH, 'this is a login certificate, not a database certificate', 'run `postern db login NAME` and use the certificate it writes');
  }
  if (route.protocol !== 'postgres') {
    return fail(INVALID_AUTH, `this certificate is for the ${route.protocol} database "${route.service}"; PostgreSQL clients need a certificate for a PostgreSQL database`);
  }
  const wantUser = started.params.user;
  const wantDb = started.params.database;
  if ((wantUser && wantUser !== route.username) || (wantDb && wantDb !== route.database)) {
    return fail(
      INVALID_AUTH,
      `this certificate is for database "${route.service}" as db user "${route.username}" and db name "${route.database}", not user "${wantUser ?? ''}" and db name "${wantDb ?? route.database}"`,
      `run postern db login ${route.service} --db-user ${wantUser ?? route.username} --db-name ${wantDb ?? route.database}`,
    );
  }

  let dialed;
  try {
    dialed = await deps.router.dial({
      database: route.service,
      protocol: 'postgres',
      meta: { cert: peer.raw.toString('base64'), client_addr: raw.remoteAddress ?? '', startup: started.params },
    });
  } catch (err) {
    if (err instanceof NoAgentError && deps.tunnels.agentsFor(route.service).length === 0) {
      const reachable = await deps.reachable(identity).catch(() => [] as string[]);
      if (!reachable.includes(route.service)) {
        const hint = reachable.length > 0 ? `databases you can reach: ${reachable.join(', ')}` : 'your roles allow no database';
        return fail(INVALID_AUTH, `unknown database "${route.service}"`, hint);
      }
      return fail(CANNOT_CONNECT, `no agent is online for database "${route.service}"`, 'the database is registered, but the agent that serves it is not connected; try again when it is back');
    }
    return fail(CANNOT_CONNECT, `cannot reach database "${route.service}": ${(err as Error).message}`);
  }
  const { stream, agent } = dialed;
  let unregister: (() => void) | undefined;
  const sniffer = new BackendKeySniffer((pid, key) => {
    unregister = deps.cancels.add(pid, key, { hostId: agent.hostId, database: route.service });
  });
  log.debug({ db: route.service, user: identity.username, agent: agent.hostId }, 'postgres session relayed');
  await new Promise<void>((resolve) => {
    let open = 2;
    const closed = () => {
      if (--open === 0) resolve();
    };
    pipeline(client, stream, (err) => {
      if (err) stream.destroy();
      closed();
    });
    pipeline(stream, sniffer, client, (err) => {
      if (err) client.destroy();
      closed();
    });
  });
  unregister?.();
}

/** A CancelRequest arrives on a new connection; the agent that holds the session sends it on. */
async function forwardCancel(pid: number, key: number, deps: PostgresDeps): Promise<void> {
  const target = deps.cancels.find(pid, key);
  // As PostgreSQL does, an unknown key is ignored without a word to the client.
  if (!target) return void deps.log.debug({ pid, sessions: deps.cancels.size }, 'cancel request for no known session');
  const agent = deps.tunnels.agents().find((a) => a.hostId === target.hostId);
  if (!agent) return void deps.log.debug({ pid, agent: target.hostId }, 'cancel request for a session whose agent is gone');
  try {
    const stream = await agent.dial({ database: target.database, protocol: 'postgres', meta: { cancel: { pid, key } } });
    stream.end();
    stream.resume();
  } catch (err) {
    deps.log.warn({ err: (err as Error).message }, 'cancel request could not be forwarded');
  }
}
