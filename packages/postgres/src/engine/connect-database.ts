import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { checkServerNameCheaply, clientTlsContext, connectTcp as openTcp, startClientTls } from '@postern/engine';
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
  return openTcp(
    address,
    deadline,
    (reason) => new SessionFailure(SqlState.UnableToEstablishConnection, `database ${target.name} at ${formatAddress(address)} is unreachable: ${reason}`),
  );
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
  return startClientTls(
    {
      tcp,
      address,
      secureContext: clientTlsContext({ caPem: target.caPem, certPem: creds.certPem, keyPem: creds.keyPem }),
      deadline,
      // PostgreSQL 17+ checks it when offered; older servers ignore it.
      extra: { ALPNProtocols: ['postgresql'] },
      onSocket: checkServerNameCheaply,
    },
    (err) =>
      new SessionFailure(SqlState.UnableToEstablishConnection, `TLS with database ${target.name} at ${formatAddress(address)} failed: ${err.message}`, {
        hint: 'check that the database certificate was signed for this address by the CA the agent has for it (`postern admin db sign`)',
      }),
  );
}
