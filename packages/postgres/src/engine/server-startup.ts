import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { readFrame, ReadTimeoutError } from '../io/read-frame';
import { parseBackendMessage } from '../protocol/backend';
import { ProtocolError } from '../protocol/errors';
import { MessageFramer } from '../protocol/framer';
import { serialize } from '../protocol/serializer';
import { SqlState } from '../protocol/sqlstate';
import { SessionFailure } from './failure';

export interface ServerStartupOptions {
  /** Names the database in messages. */
  service: string;
  deadline: number;
  /** BackendKeyData: the real backend's process id and cancel key. */
  onBackendKey(pid: number, key: number): void;
  /** Called at the first ReadyForQuery, before it reaches the client; throwing aborts the session. */
  onReady(): void;
}

export interface ServerStartupResult {
  /** Server bytes that arrived after the first ReadyForQuery, for the client. */
  leftover: Buffer;
}

/**
 * Sends the StartupMessage and follows the server until its first ReadyForQuery. Only
 * certificate authentication is expected (AuthenticationOk right away); from there on
 * every message (ParameterStatus, BackendKeyData, notices, ReadyForQuery) is forwarded
 * to the client as received.
 */
export async function completeServerStartup(
  server: TLSSocket,
  client: Duplex,
  params: Record<string, string>,
  opts: ServerStartupOptions,
): Promise<ServerStartupResult> {
  const where = `database ${opts.service}`;
  const framer = new MessageFramer();
  let authenticated = false;
  server.write(serialize.startupMessage(params));

  for (;;) {
    const frame = await readServerFrame(server, framer, opts.deadline, where);
    const message = parseBackendMessage(frame);
    switch (message.type) {
      case 'authentication':
        if (message.method !== 'ok') {
          throw new SessionFailure(
            SqlState.InvalidAuthorizationSpecification,
            `the database asked for a password (${message.method}): configure pg_hba.conf of ${opts.service} with \`hostssl <db> ${params['user'] ?? '<user>'} <agent address> cert\` for Postern (see \`postern admin db sign\`)`,
          );
        }
        authenticated = true;
        break;
      case 'errorResponse':
        // The database's own words (role does not exist, certificate rejected, too many
        // connections) are the most useful thing to show; forward them as they are.
        throw new SessionFailure(message.notice.code || SqlState.UnableToEstablishConnection, message.notice.message, {
          databaseReply: frame.raw,
        });
      case 'backendKeyData':
        opts.onBackendKey(message.pid, message.key);
        break;
      case 'readyForQuery':
        if (!authenticated) throw unexpected(where, 'ReadyForQuery before authentication');
        opts.onReady();
        client.write(frame.raw);
        return { leftover: framer.remainder() };
      case 'noticeResponse':
      case 'negotiateProtocolVersion':
        break;
      default:
        if (!authenticated) throw unexpected(where, `a message of type '${String.fromCharCode(frame.code)}' before authentication`);
    }
    if (authenticated) client.write(frame.raw);
  }
}

async function readServerFrame(server: TLSSocket, framer: MessageFramer, deadline: number, where: string) {
  try {
    const frame = await readFrame(server, framer, deadline);
    if (frame) return frame;
  } catch (err) {
    if (err instanceof ReadTimeoutError) {
      throw new SessionFailure(SqlState.UnableToEstablishConnection, `${where} did not complete the connection startup in time`);
    }
    if (err instanceof ProtocolError) throw unexpected(where, err.message);
    // TLS alerts land here: with TLS 1.3 a server rejects our certificate after the handshake.
    throw new SessionFailure(SqlState.UnableToEstablishConnection, `${where} refused the connection: ${(err as Error).message}`, {
      hint: 'check that the database trusts the DB Client CA (ssl_ca_file) and that pg_hba.conf has a `hostssl … cert` line for this user',
    });
  }
  throw new SessionFailure(SqlState.UnableToEstablishConnection, `${where} closed the connection during startup`);
}

function unexpected(where: string, what: string): SessionFailure {
  return new SessionFailure(SqlState.ProtocolViolation, `${where} broke the protocol during startup: ${what}`);
}
