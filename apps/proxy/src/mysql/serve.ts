import type { Socket } from 'node:net';
import { pipeline } from 'node:stream';
import type tls from 'node:tls';
import type { Logger } from '@postern/log';
import { encodeStartup, ErrorCode, readHandshake, sendError, type MysqlErrorCode } from '@postern/mysql';
import { PkiError, verifyUserCertificate, type UserIdentity } from '@postern/pki';
import type { TunnelServer } from '@postern/tunnel';
import { NoAgentError, type AgentRouter } from '../router';
import { upgradeToTlsServer } from '../tls-upgrade';

export interface MysqlDeps {
  secureContext: tls.SecureContext;
  userCas: string[];
  clusterName: string;
  tunnels: TunnelServer;
  router: AgentRouter;
  reachable(identity: UserIdentity): Promise<string[]>;
  /** The version the greeting announces: it comes before the client says which database it wants. */
  serverVersion(): string;
  log: Logger;
}


/** One MySQL client: greeting, TLS, HandshakeResponse41, certificate → route, hand-off. */
export async function serveMysql(raw: Socket, deps: MysqlDeps): Promise<void> {
  const hs = await readHandshake(raw, { serverVersion: deps.serverVersion(), upgradeToTls: (s) => upgradeToTlsServer(s as Socket, deps.secureContext) });
  if (hs.kind !== 'handshake') return;
  const client = hs.socket as tls.TLSSocket;
  const fail = (code: MysqlErrorCode, message: string) => sendError(client, { ...code, message }, hs.sequenceId);

  const peer = client.getPeerCertificate?.(false) as (tls.PeerCertificate & { raw?: Buffer }) | undefined;
  if (!peer?.raw) {
    return fail(ErrorCode.AccessDenied, 'no client certificate: run `postern db login NAME`, then `postern db connect NAME` (or mysql --defaults-group-suffix=_postern-NAME)');
  }
  let identity: UserIdentity;
  try {
    identity = verifyUserCertificate(peer.raw, { trusted: deps.userCas, clusterName: deps.clusterName });
  } catch (err) {
    return fail(ErrorCode.AccessDenied, err instanceof PkiError ? err.message : 'the client certificate could not be checked');
  }
  const route = identity.route;
  if (!route) return fail(ErrorCode.AccessDenied, 'this is a login certificate, not a database certificate: run `postern db login NAME`');
  if (route.protocol !== 'mysql') {
    return fail(ErrorCode.AccessDenied, `this certificate is for the ${route.protocol} database "${route.service}"; MySQL clients need a certificate for a MySQL database`);
  }
  if (hs.user && hs.user !== route.username) {
    return fail(
      ErrorCode.AccessDenied,
      `this certificate is for database "${route.service}" as db user "${route.username}", not "${hs.user}": run postern db login ${route.service} --db-user ${hs.user}`,
    );
  }
  let dialed;
  try {
    dialed = await deps.router.dial({
      database: route.service,
      protocol: 'mysql',
      meta: { cert: peer.raw.toString('base64'), client_addr: raw.remoteAddress ?? '', startup: encodeStartup(hs) },
    });
  } catch (err) {
    if (err instanceof NoAgentError && deps.tunnels.agentsFor(route.service).length === 0) {
      const reachable = await deps.reachable(identity).catch(() => [] as string[]);
      if (!reachable.includes(route.service)) {
        const hint = reachable.length > 0 ? `databases you can reach: ${reachable.join(', ')}` : 'your roles allow no database';
        return fail(ErrorCode.AccessDenied, `unknown database "${route.service}"; ${hint}`);
      }
      return fail(ErrorCode.Unreachable, `no agent is online for database "${route.service}"; try again when its agent is back`);
    }
    return fail(ErrorCode.Unreachable, `cannot reach database "${route.service}": ${(err as Error).message}`);
  }
  const { stream } = dialed;
  deps.log.debug({ db: route.service, user: identity.username }, 'mysql session relayed');
  await new Promise<void>((resolve) => {
    let open = 2;
    const closed = () => {
      if (--open === 0) resolve();
    };
    pipeline(client, stream, (err) => {
      if (err) stream.destroy();
      closed();
    });
    pipeline(stream, client, (err) => {
      if (err) client.destroy();
      closed();
    });
  });
}
