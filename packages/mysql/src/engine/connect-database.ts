import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { clientTlsContext, connectTcp as openTcp, keepSession, resumableSession, startClientTls } from '@postern/engine';
import type { DatabaseTarget, DbClientCredentials } from '@postern/engine';
import { readPacket, ReadTimeoutError } from '../io/read-packet';
import { Capability } from '../protocol/constants';
import { ErrorCode } from '../protocol/error-codes';
import { ProtocolError } from '../protocol/errors';
import { PacketReader } from '../protocol/packet-reader';
import { framePacket } from '../protocol/packet-writer';
import { isErrPacket, parseErr } from '../protocol/packets/generic-response';
import { parseHandshakeV10 } from '../protocol/packets/handshake-v10';
import type { HandshakeV10 } from '../protocol/packets/handshake-v10';
import { buildSslRequest } from '../protocol/packets/ssl-request';
import type { SslRequest } from '../protocol/packets/ssl-request';
import { formatAddress, InvalidAddressError, parseDatabaseAddress } from './address';
import type { DatabaseAddress } from './address';
import { SessionFailure } from './failure';

export type DatabaseEndpoint = Pick<DatabaseTarget, 'name' | 'uri' | 'caPem'>;

/** Greeting packets are small; a "greeting" of megabytes is not from a MySQL server. */
const MAX_GREETING = 64 * 1024;

export interface DatabaseConnection {
  socket: TLSSocket;
  greeting: HandshakeV10;
  /** The database's address, for messages. */
  where: string;
}

/**
 * Opens the agent's connection to a database: TCP, the server's greeting, an SSLRequest
 * built by `sslRequestFor` from that greeting (it may throw a SessionFailure when the
 * database cannot serve the session), then TLS with the DB Client CA certificate,
 * verifying the server against the database's CA and its address. Failures are
 * SessionFailures that name the database and what to fix.
 */
export async function connectDatabase(
  target: DatabaseEndpoint,
  creds: DbClientCredentials,
  deadline: number,
  sslRequestFor: (greeting: HandshakeV10) => SslRequest,
): Promise<DatabaseConnection> {
  const address = addressOf(target);
  const where = `database ${target.name} at ${formatAddress(address)}`;
  const tcp = await connectTcp(address, where, deadline);
  try {
    const greeting = await readGreeting(tcp, where, deadline);
    if (!(greeting.capabilities & Capability.Ssl)) {
      throw new SessionFailure(
        ErrorCode.TlsFailed,
        `${where} does not accept TLS connections: set ssl_cert, ssl_key and ssl_ca in its server configuration, with a certificate from \`postern admin db sign\``,
      );
    }
    if (!(greeting.capabilities & Capability.Protocol41) || !(greeting.capabilities & Capability.SecureConnection)) {
      throw new SessionFailure(ErrorCode.NotSupported, `${where} (${greeting.serverVersion}) does not speak the MySQL 4.1 protocol that Postern needs`);
    }
    const request = sslRequestFor(greeting);
    // The greeting is sequence 0; the SSLRequest answers it.
    tcp.write(framePacket(buildSslRequest(request), 1));
    const socket = await startTls(tcp, target, address, creds, deadline);
    return { socket, greeting, where };
  } catch (err) {
    tcp.destroy();
    throw err;
  }
}

function addressOf(target: DatabaseEndpoint): DatabaseAddress {
  try {
    return parseDatabaseAddress(target.uri, target.name);
  } catch (err) {
    if (err instanceof InvalidAddressError) throw new SessionFailure(ErrorCode.Internal, err.message);
    throw err;
  }
}

export function connectTcp(address: DatabaseAddress, where: string, deadline: number): Promise<Socket> {
  return openTcp(address, deadline, (reason) => new SessionFailure(ErrorCode.Unreachable, `${where} is unreachable: ${reason}`));
}

/** The server speaks first: its HandshakeV10, or an ERR (too many connections, host blocked). */
export async function readGreeting(tcp: Socket, where: string, deadline: number): Promise<HandshakeV10> {
  const reader = new PacketReader({ maxPacketLength: MAX_GREETING });
  let packet;
  try {
    packet = await readPacket(tcp, reader, deadline);
  } catch (err) {
    if (err instanceof ReadTimeoutError) throw new SessionFailure(ErrorCode.Unreachable, `${where} sent no greeting in time; is it a MySQL server?`);
    if (err instanceof ProtocolError) throw notMysql(where, err.message);
    throw new SessionFailure(ErrorCode.Unreachable, `${where} is unreachable: ${(err as Error).message}`);
  }
  if (!packet) throw new SessionFailure(ErrorCode.Unreachable, `${where} closed the connection before its greeting`);
  if (isErrPacket(packet.payload)) {
    const err = parseErrSafely(packet.payload);
    throw new SessionFailure({ code: err.code, sqlState: err.sqlState || 'HY000' }, `${where} refused the connection: ${err.message}`);
  }
  // Bytes after the greeting would be read as if they had come through TLS: someone in
  // between could have put them there. A server never sends them.
  if (reader.bufferedBytes > 0) throw notMysql(where, 'it sent more than its greeting before TLS');
  try {
    return parseHandshakeV10(packet.payload);
  } catch (err) {
    throw notMysql(where, (err as Error).message);
  }
}

function parseErrSafely(payload: Buffer): { code: number; sqlState: string; message: string } {
  try {
    return parseErr(payload);
  } catch {
    return { code: ErrorCode.Unreachable.code, sqlState: '', message: 'an unreadable error' };
  }
}

function notMysql(where: string, why: string): SessionFailure {
  return new SessionFailure(ErrorCode.Unreachable, `${where} does not answer as a MySQL server: ${why}`);
}

function startTls(tcp: Socket, target: DatabaseEndpoint, address: DatabaseAddress, creds: DbClientCredentials, deadline: number): Promise<TLSSocket> {
  const secureContext = clientTlsContext({ caPem: target.caPem, certPem: creds.certPem, keyPem: creds.keyPem });
  const server = formatAddress(address);
  return startClientTls(
    {
      tcp,
      address,
      secureContext,
      deadline,
      // MySQL and MariaDB resume TLS sessions: a new connection then skips the certificate
      // exchange and its signatures on both sides.
      extra: { session: resumableSession(secureContext, server) },
      onSocket: (socket) => socket.on('session', (session: Buffer) => keepSession(secureContext, server, session)),
    },
    (err) =>
      new SessionFailure(
        ErrorCode.TlsFailed,
        `TLS with database ${target.name} at ${formatAddress(address)} failed: ${err.message} (check that its certificate was signed for this address by the CA the agent has for it: \`postern admin db sign\`)`,
      ),
  );
}
