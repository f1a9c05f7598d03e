import type { TLSSocket } from 'node:tls';
import { readPacket, ReadTimeoutError } from '../io/read-packet';
import { CachingSha2 } from '../protocol/constants';
import { ErrorCode } from '../protocol/error-codes';
import { ProtocolError } from '../protocol/errors';
import { PacketReader } from '../protocol/packet-reader';
import type { Packet } from '../protocol/packet-reader';
import { framePacket } from '../protocol/packet-writer';
import { isAuthMoreData, isAuthSwitchRequest, parseAuthMoreData, parseAuthSwitchRequest } from '../protocol/packets/auth';
import { isErrPacket, isOkPacket, parseErr } from '../protocol/packets/generic-response';
import { buildHandshakeResponse41 } from '../protocol/packets/handshake-response';
import type { HandshakeResponse41 } from '../protocol/packets/handshake-response';
import { SessionFailure } from './failure';

/** Authentication is a few round trips; a server asking again and again is not going anywhere. */
const MAX_AUTH_ROUNDS = 8;
const MAX_AUTH_PACKET = 64 * 1024;

/** MySQL's "access denied" family: the database did not accept who we said we are. */
const ACCESS_DENIED_CODES = new Set([1045, 1698, 1251]);

export interface ServerAuthResult {
  /** The server's OK payload, to be passed to the client with the client's sequence id. */
  ok: Buffer;
  /** Bytes the server sent after its OK (none expected before a command), for the client. */
  leftover: Buffer;
}

/**
 * Logs in over TLS as the route's user with no password: the certificate is the
 * credential (MySQL `REQUIRE SUBJECT '/CN=user'`, MariaDB alike). Plugins that ask for
 * something anyway get an empty answer; caching_sha2_password's full authentication gets
 * an empty password, which over TLS is sent in the clear as the protocol wants. Resolves
 * with the server's OK; a refusal is a SessionFailure carrying the database's words.
 */
export async function authenticate(
  server: TLSSocket,
  response: HandshakeResponse41,
  opts: { service: string; where: string; deadline: number },
): Promise<ServerAuthResult> {
  const reader = new PacketReader({ maxPacketLength: MAX_AUTH_PACKET });
  // Greeting 0, SSLRequest 1, HandshakeResponse41 2.
  server.write(framePacket(buildHandshakeResponse41(response), 2));

  for (let round = 0; round < MAX_AUTH_ROUNDS; round++) {
    const packet = await readAuthPacket(server, reader, opts);
    const { payload } = packet;
    const reply = (data: Buffer): void => {
      server.write(framePacket(data, (packet.lastSequenceId + 1) & 0xff));
    };
    if (isOkPacket(payload)) return { ok: Buffer.from(payload), leftover: reader.remainder() };
    if (isErrPacket(payload)) throw refusal(payload, response.user, opts);
    if (isAuthSwitchRequest(payload)) {
      parseAuthSwitchRequest(payload);
      // An empty password's answer is empty for mysql_native_password, caching_sha2_password and ed25519 alike.
      reply(Buffer.alloc(0));
      continue;
    }
    if (isAuthMoreData(payload)) {
      const { data } = parseAuthMoreData(payload);
      if (data[0] === CachingSha2.FastAuthSuccess) continue;
      // Full authentication (or sha256_password's key exchange): over TLS the password goes as it is, NUL-terminated.
      reply(Buffer.of(0));
      continue;
    }
    throw new SessionFailure(ErrorCode.ProtocolViolation, `${opts.where} sent an unexpected packet (0x${(payload[0] ?? 0).toString(16)}) during authentication`);
  }
  throw new SessionFailure(ErrorCode.AccessDenied, `${opts.where} kept asking for authentication data; Postern logs in by certificate only`);
}

async function readAuthPacket(server: TLSSocket, reader: PacketReader, opts: { where: string; deadline: number }): Promise<Packet> {
  try {
    const packet = await readPacket(server, reader, opts.deadline);
    if (packet) return packet;
  } catch (err) {
    if (err instanceof ReadTimeoutError) throw new SessionFailure(ErrorCode.Unreachable, `${opts.where} did not finish authentication in time`);
    if (err instanceof ProtocolError) throw new SessionFailure(ErrorCode.ProtocolViolation, `${opts.where} broke the protocol during authentication: ${err.message}`);
    // TLS alerts land here: with TLS 1.3 a server rejects a client certificate after the handshake.
    throw new SessionFailure(ErrorCode.TlsFailed, `${opts.where} refused the connection: ${(err as Error).message} (does it trust the DB Client CA in ssl_ca?)`);
  }
  throw new SessionFailure(ErrorCode.Unreachable, `${opts.where} closed the connection during authentication`);
}

function refusal(payload: Buffer, user: string, opts: { service: string }): SessionFailure {
  let err;
  try {
    err = parseErr(payload);
  } catch (parseError) {
    return new SessionFailure(ErrorCode.ProtocolViolation, `database ${opts.service} sent a malformed error: ${(parseError as Error).message}`);
  }
  const reply = { code: err.code, sqlState: err.sqlState || 'HY000' };
  if (ACCESS_DENIED_CODES.has(err.code) || err.sqlState.startsWith('28')) {
    return new SessionFailure(
      reply,
      `the database refused Postern's certificate for user ${user}: ${err.message} (the user needs REQUIRE SUBJECT '/CN=${user}' and the database must trust the DB Client CA)`,
    );
  }
  // Anything else (unknown database, too many connections) is best said in the database's own words.
  return new SessionFailure(reply, err.message);
}
