import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { readFrame, ReadTimeoutError } from '../io/read-frame';
import { parseBackendMessage } from '../protocol/backend';
import { ProtocolError } from '../protocol/errors';
import { MessageFramer, type Frame } from '../protocol/framer';
import { serialize } from '../protocol/serializer';
import { SqlState } from '../protocol/sqlstate';
import { SessionFailure } from './failure';

export interface ServerStartupOptions {
  /** Names the database in messages. */
  service: string;
  deadline: number;
  /**
   * BackendKeyData: the real backend's process id and cancel key. A Buffer returned is
   * sent to the client instead of the server's message (a key of the session's own when
   * the backend will serve other sessions after this one).
   */
  onBackendKey(pid: number, key: number): Buffer | void;
  /** Called at the first ReadyForQuery, before it reaches the client; throwing aborts the session. */
  onReady(): void;
}

export interface ServerStartupResult {
  /** Server bytes that arrived after the first ReadyForQuery, for the client. */
  leftover: Buffer;
  /** AuthenticationOk and the ParameterStatus messages: what a later session on this connection is greeted with. */
  greeting: Buffer;
}

/**
 * Sends the StartupMessage and follows the server until its first ReadyForQuery. Only
 * certificate authentication is expected (AuthenticationOk right away); from there on
 * every message (ParameterStatus, BackendKeyData, notices, ReadyForQuery) is forwarded
 * to the client unchanged and in order.
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

  // What the client is owed goes out in one write per chunk the server sent, not one per
  // message: a server answers a startup with some twenty messages in one go (parameter
  // statuses, BackendKeyData, ReadyForQuery), and each write was an HTTP/2 DATA frame here
  // and, at the proxy, a JavaScript callback, a TLS record and a send() towards the client.
  const owed: Buffer[] = [];
  const greeting: Buffer[] = [];
  const pay = (): void => {
    if (owed.length === 0) return;
    client.write(owed.length === 1 ? owed[0]! : Buffer.concat(owed));
    owed.length = 0;
  };
  try {
    for (;;) {
      let frame = nextBuffered(framer, where);
      if (!frame) {
        pay();
        frame = await readServerFrame(server, framer, opts.deadline, where);
      }
      if (handle(frame)) {
        // The client learns of the session only once it is audited (onReady throws if it cannot be).
        opts.onReady();
        owed.push(frame.raw);
        pay();
        return { leftover: framer.remainder(), greeting: Buffer.concat(greeting) };
      }
    }
  } catch (err) {
    // What came before the failure reaches the client first, as it did message by message.
    pay();
    throw err;
  }

  /** One server message; true at the first ReadyForQuery. */
  function handle(frame: Frame): boolean {
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
        greeting.push(Buffer.from(frame.raw));
        break;
      case 'parameterStatus':
        if (!authenticated) throw unexpected(where, 'a ParameterStatus before authentication');
        greeting.push(Buffer.from(frame.raw));
        break;
      case 'errorResponse':
        // The database's own words (role does not exist, certificate rejected, too many
        // connections) are the most useful thing to show; forward them as they are.
        throw new SessionFailure(message.notice.code || SqlState.UnableToEstablishConnection, message.notice.message, {
          databaseReply: frame.raw,
        });
      case 'backendKeyData': {
        const replacement = opts.onBackendKey(message.pid, message.key);
        if (replacement) {
          owed.push(replacement);
          return false;
        }
        break;
      }
      case 'readyForQuery':
        if (!authenticated) throw unexpected(where, 'ReadyForQuery before authentication');
        return true;
      case 'noticeResponse':
      case 'negotiateProtocolVersion':
        break;
      default:
        if (!authenticated) throw unexpected(where, `a message of type '${String.fromCharCode(frame.code)}' before authentication`);
    }
    if (authenticated) owed.push(frame.raw);
    return false;
  }
}

/** A message already buffered, without waiting; a malformed one fails as readServerFrame says. */
function nextBuffered(framer: MessageFramer, where: string): Frame | undefined {
  try {
    return framer.next();
  } catch (err) {
    if (err instanceof ProtocolError) throw unexpected(where, err.message);
    throw err;
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
