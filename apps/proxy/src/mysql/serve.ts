import type { Socket } from 'node:net';
import type tls from 'node:tls';
import type { Logger } from '@postern/log';
import { encodeStartup, ErrorCode, readHandshake, sendError, type MysqlErrorCode } from '@postern/mysql';
import { clientRoute, countRefusal, dialAgent, isRefusal, relaySession, splice, type Refusal, type RouteDeps } from '../client-route';
import { upgradeToTlsServer } from '../tls-upgrade';

export interface MysqlDeps extends RouteDeps {
  secureContext: tls.SecureContext;
  /** The version the greeting announces: it comes before the client says which database it wants. */
  serverVersion(): string;
  log: Logger;
}


/** One MySQL client: greeting, TLS, HandshakeResponse41, certificate → route, hand-off. */
export async function serveMysql(raw: Socket, deps: MysqlDeps): Promise<void> {
  const hs = await readHandshake(raw, { serverVersion: deps.serverVersion(), upgradeToTls: (s) => upgradeToTlsServer(s as Socket, deps.secureContext) });
  if (hs.kind !== 'handshake') return;
  const client = hs.socket as tls.TLSSocket;
  const fail = (code: MysqlErrorCode, kind: Refusal['kind'], message: string) => {
    countRefusal('mysql', kind);
    return sendError(client, { ...code, message }, hs.sequenceId);
  };

  const checked = clientRoute(client, deps, 'mysql');
  // The mysql client prints no hint field: the hint goes into the message.
  const say = (r: Refusal) => (r.hint ? `${r.message}; ${r.hint}` : r.message);
  if (isRefusal(checked)) return fail(ErrorCode.AccessDenied, checked.kind, say(checked));
  const { identity, route, certDer } = checked;
  if (hs.user && hs.user !== route.username) {
    return fail(
      ErrorCode.AccessDenied,
      'denied',
      `this certificate is for database "${route.service}" as db user "${route.username}", not "${hs.user}": run postern db login ${route.service} --db-user ${hs.user}`,
    );
  }
  const dialed = await dialAgent(
    { database: route.service, protocol: 'mysql', meta: { cert: certDer.toString('base64'), client_addr: raw.remoteAddress ?? '', startup: encodeStartup(hs) } },
    identity,
    deps,
  );
  if (isRefusal(dialed)) return fail(dialed.kind === 'denied' ? ErrorCode.AccessDenied : ErrorCode.Unreachable, dialed.kind, say(dialed));
  const { stream } = dialed;
  deps.log.debug({ db: route.service, user: identity.username }, 'mysql session relayed');
  await relaySession('mysql', () => splice(client, stream));
}
