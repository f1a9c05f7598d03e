import type { Socket } from 'node:net';
import type tls from 'node:tls';
import type { Logger } from '@postern/log';
import { readStartup, sendError } from '@postern/postgres';
import { clientRoute, countRefusal, dialAgent, isRefusal, relaySession, splice, type Refusal, type RouteDeps } from '../client-route';
import { upgradeToTlsServer } from '../tls-upgrade';
import { BackendKeySniffer } from './backend-key-sniffer';
import type { CancelRegistry } from './cancel-registry';

export interface PostgresDeps extends RouteDeps {
  secureContext: tls.SecureContext;
  cancels: CancelRegistry;
  log: Logger;
}

const INVALID_AUTH = '28000';
const CANNOT_CONNECT = '08001';

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
  const fail = (code: string, kind: Refusal['kind'], message: string, hint?: string) => {
    countRefusal('postgres', kind);
    return sendError(client, { code, message, ...(hint ? { hint } : {}) });
  };
  // The certificate is only known once the TLS handshake is done, which readStartup did.

  const checked = clientRoute(client, deps, 'postgres');
  if (isRefusal(checked)) return fail(INVALID_AUTH, checked.kind, checked.message, checked.hint);
  const { identity, route, certDer } = checked;
  const wantUser = started.params.user;
  const wantDb = started.params.database;
  if ((wantUser && wantUser !== route.username) || (wantDb && wantDb !== route.database)) {
    return fail(
      INVALID_AUTH,
      'denied',
      `this certificate is for database "${route.service}" as db user "${route.username}" and db name "${route.database}", not user "${wantUser ?? ''}" and db name "${wantDb ?? route.database}"`,
      `run postern db login ${route.service} --db-user ${wantUser ?? route.username} --db-name ${wantDb ?? route.database}`,
    );
  }

  const dialed = await dialAgent(
    { database: route.service, protocol: 'postgres', meta: { cert: certDer.toString('base64'), client_addr: raw.remoteAddress ?? '', startup: started.params } },
    identity,
    deps,
  );
  if (isRefusal(dialed)) return fail(dialed.kind === 'denied' ? INVALID_AUTH : CANNOT_CONNECT, dialed.kind, dialed.message, dialed.hint);
  const { stream, agent } = dialed;
  let unregister: (() => void) | undefined;
  const sniffer = new BackendKeySniffer((pid, key) => {
    unregister = deps.cancels.add(pid, key, { hostId: agent.hostId, database: route.service });
  });
  log.debug({ db: route.service, user: identity.username, agent: agent.hostId }, 'postgres session relayed');
  await relaySession('postgres', () =>
    splice(client, stream, (chunk) => {
      sniffer.push(chunk);
      return !sniffer.done;
    }),
  );
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
