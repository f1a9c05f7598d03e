import { connect as connectTcpSocket, isIP } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTlsSocket } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { checkServerNameCheaply, clientTlsContext } from '@postern/engine';
import type { DatabaseTarget, DbClientCredentials } from '@postern/engine';
import { readChunk } from '../io/read-frame';
import { EncryptionResponse } from '../protocol/codes';
import { serialize } from '../protocol/serializer';
import { SqlState } from '../protocol/sqlstate';
import { formatAddress, parseDatabaseAddress } from './address';
import type { DatabaseAddress } from './address';
import { SessionFailure } from './failure';

export type DatabaseEndpoint = Pick<DatabaseTarget, 'name' | 'uri' | 'caPem'>;

/**
 * Opens the agent's connection to a database: TCP, SSLRequest, then TLS with the DB
 * Client CA certificate, verifying the server against the database's CA and its address
 * (a host name against the DNS names, an IP against the IP SANs). Failures are
 * SessionFailures that name the database and what to fix.
 */
export async function connectDatabase(target: DatabaseEndpoint, creds: DbClientCredentials, deadline: number): Promise<TLSSocket> {
  const address = parseDatabaseAddress(target.uri, target.name);
  const tcp = await connectTcp(target, address, deadline);
  try {
    await requestTls(tcp, target, address, deadline);
    return await startTls(tcp, target, address, creds, deadline);
  } catch (err) {
    tcp.destroy();
    throw err;
  }
}

export function connectTcp(target: DatabaseEndpoint, address: DatabaseAddress, deadline: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcpSocket({ host: address.host, port: address.port });
    const fail = (reason: string): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(new SessionFailure(SqlState.UnableToEstablishConnection, `database ${target.name} at ${formatAddress(address)} is unreachable: ${reason}`));
    };
    const timer = setTimeout(() => fail('no answer in time (ETIMEDOUT)'), Math.max(0, deadline - Date.now()));
    socket.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      // From here errors surface on whoever reads the socket (the SSL request, then TLS);
      // this listener only keeps a late one from crashing the agent.
      socket.on('error', () => {});
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 60_000);
      resolve(socket);
    });
  });
}

async function requestTls(tcp: Socket, target: DatabaseEndpoint, address: DatabaseAddress, deadline: number): Promise<void> {
  const where = `database ${target.name} at ${formatAddress(address)}`;
  tcp.write(serialize.sslRequest());
  let answer: Buffer | null;
  try {
    answer = await readChunk(tcp, deadline);
  } catch (err) {
    throw new SessionFailure(SqlState.UnableToEstablishConnection, `${where} did not answer the SSL request: ${(err as Error).message}`);
  }
  if (answer === null) throw new SessionFailure(SqlState.UnableToEstablishConnection, `${where} closed the connection at the SSL request`);
  if (answer[0] === EncryptionResponse.Refuse) {
    throw new SessionFailure(
      SqlState.UnableToEstablishConnection,
      `${where} does not accept TLS connections: set ssl = on in its postgresql.conf, with a certificate from \`postern admin db sign\``,
    );
  }
  if (answer[0] !== EncryptionResponse.Accept) {
    throw new SessionFailure(SqlState.UnableToEstablishConnection, `${where} answered the SSL request with something other than S or N; is it PostgreSQL?`);
  }
  // Bytes after 'S' did not come through TLS, so someone in between could have put them
  // there (CVE-2021-23222); a server never sends them.
  if (answer.length > 1) {
    throw new SessionFailure(SqlState.ProtocolViolation, `${where} sent unencrypted data after accepting the SSL request`);
  }
}

function startTls(tcp: Socket, target: DatabaseEndpoint, address: DatabaseAddress, creds: DbClientCredentials, deadline: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connectTlsSocket({
      socket: tcp,
      // checkServerIdentity compares this with the certificate's SANs (IP SANs for an IP).
      host: address.host,
      // SNI carries host names only (RFC 6066).
      ...(isIP(address.host) ? {} : { servername: address.host }),
      // CA, certificate and key (TLS 1.2 at least), parsed once per database and db user.
      secureContext: clientTlsContext({ caPem: target.caPem, certPem: creds.certPem, keyPem: creds.keyPem }),
      // PostgreSQL 17+ checks it when offered; older servers ignore it.
      ALPNProtocols: ['postgresql'],
    });
    checkServerNameCheaply(socket);
    const timer = setTimeout(() => fail(new Error('the TLS handshake did not finish in time')), Math.max(0, deadline - Date.now()));
    function fail(err: Error): void {
      clearTimeout(timer);
      socket.destroy();
      reject(
        new SessionFailure(
          SqlState.UnableToEstablishConnection,
          `TLS with database ${target.name} at ${formatAddress(address)} failed: ${err.message}`,
          { hint: 'check that the database certificate was signed for this address by the CA the agent has for it (`postern admin db sign`)' },
        ),
      );
    }
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      resolve(socket);
    });
  });
}
