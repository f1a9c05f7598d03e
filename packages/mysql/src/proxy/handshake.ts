import { randomBytes, randomInt } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { agreedCapabilities, proxyCapabilities } from '../capabilities';
import type { MysqlStartup } from '../handoff';
import { closeGracefully, DEFAULT_CLOSE_GRACE_MS, withDeadline } from '@postern/engine';
import { readPacket, ReadTimeoutError } from '../io/read-packet';
import { errorPacket } from '../io/send-error';
import type { ClientError } from '../io/send-error';
import { DEFAULT_COLLATION, ServerStatus } from '../protocol/constants';
import { ErrorCode } from '../protocol/error-codes';
import { ProtocolError } from '../protocol/errors';
import { PacketReader } from '../protocol/packet-reader';
import type { Packet } from '../protocol/packet-reader';
import { framePacket } from '../protocol/packet-writer';
import { parseHandshakeResponse41 } from '../protocol/packets/handshake-response';
import { buildHandshakeV10 } from '../protocol/packets/handshake-v10';
import { isSslRequest, parseSslRequest } from '../protocol/packets/ssl-request';

/** MySQL's own connect_timeout: the handshake is two round trips and a TLS handshake. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
/** Handshake packets are small; attributes are the largest part and MySQL caps them at 64 KiB. */
const MAX_HANDSHAKE_PACKET = 256 * 1024;
/** The plugin the greeting names. Postern authenticates by certificate and ignores the answer. */
export const DEFAULT_AUTH_PLUGIN = 'mysql_native_password';

export const TLS_REQUIRED_MESSAGE =
  'Postern requires TLS: connect with --ssl (MySQL clients: --ssl-mode=REQUIRED) and the certificate from `postern db login NAME`, or use `postern db connect NAME`';

export interface ReadHandshakeOptions {
  /** The version the greeting announces: the database's own (see probeServerVersion), so clients adapt to it. */
  serverVersion: string;
  /** Wraps the raw socket in TLS as a server; called right after the client's SSLRequest. Without it CLIENT_SSL is not offered. */
  upgradeToTls?: (socket: Duplex) => Promise<TLSSocket>;
  /** Accept a HandshakeResponse41 without TLS; only for a local listener such as `postern proxy db`. */
  allowPlaintext?: boolean;
  /** Capability flags to offer (default DEFAULT_PROXY_CAPABILITIES); kept to what Postern can relay. */
  capabilities?: number;
  authPluginName?: string;
  /** The connection id the greeting announces (default: random, far above real thread ids). */
  connectionId?: number;
  /** The collation id the greeting announces (default utf8mb4_general_ci). */
  characterSet?: number;
  timeoutMs?: number;
  /** How long a refused client gets to read its error before the socket is destroyed. */
  graceMs?: number;
}

export type HandshakeOutcome =
  /**
   * A client ready for the engine. `socket` is paused; bytes the client sent after its
   * HandshakeResponse41 are unshifted into it. The rest is the engine's startup record
   * (encodeStartup). The client's password answer, if any, is dropped here.
   */
  | ({ kind: 'handshake'; socket: Duplex; tls: boolean; authPluginName: string } & MysqlStartup)
  /** Turned away (the client was told why, when it could still be told) or gone. */
  | { kind: 'refused'; reason: string };

/** One step of the negotiation: it does its part and returns the next step, or the outcome. */
type Step = () => Promise<Step | HandshakeOutcome>;

/**
 * The proxy's side of a MySQL connection's first packets, before any database is
 * involved: greets the client (HandshakeV10 with `serverVersion`), takes its SSLRequest,
 * upgrades to TLS and reads its HandshakeResponse41. Never rejects: whatever goes wrong
 * is told to the client as an ERR packet and comes back as `refused`.
 */
export async function readHandshake(socket: Duplex, opts: ReadHandshakeOptions): Promise<HandshakeOutcome> {
  const negotiation = new HandshakeNegotiation(socket, opts);
  try {
    let step: Step | HandshakeOutcome = negotiation.greet;
    while (typeof step === 'function') step = await step();
    return step;
  } catch (err) {
    return negotiation.refuse(err);
  }
}

class HandshakeNegotiation {
  private stream: Duplex;
  private tls = false;
  private reader = new PacketReader({ maxPacketLength: MAX_HANDSHAKE_PACKET });
  /** The sequence id our next packet must carry: the client's last one plus one. */
  private nextSequenceId = 0;
  private readonly deadline: number;
  private readonly offered: number;

  constructor(
    socket: Duplex,
    private readonly opts: ReadHandshakeOptions,
  ) {
    this.stream = socket;
    this.deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
    this.offered = proxyCapabilities(opts.capabilities, opts.upgradeToTls !== undefined);
    // Errors after the hand-off surface as 'close'; an unhandled 'error' would kill the process.
    socket.on('error', ignore);
  }

  readonly greet: Step = async () => {
    const greeting = buildHandshakeV10({
      serverVersion: this.opts.serverVersion,
      connectionId: this.opts.connectionId ?? randomInt(1_000_000_000, 2 ** 31 - 1),
      authPluginData: scramble(),
      capabilities: this.offered,
      characterSet: this.opts.characterSet ?? DEFAULT_COLLATION,
      statusFlags: ServerStatus.Autocommit,
      authPluginName: this.opts.authPluginName ?? DEFAULT_AUTH_PLUGIN,
      mariadbCapabilities: 0,
    });
    this.stream.write(framePacket(greeting, 0));
    this.nextSequenceId = 1;
    return this.awaitFirstResponse;
  };

  /** An SSLRequest, or (from a client without TLS) the whole HandshakeResponse41. */
  private readonly awaitFirstResponse: Step = async () => {
    const packet = await this.read();
    if (!isSslRequest(packet.payload)) return this.finish(packet);
    parseSslRequest(packet.payload);
    if (!this.opts.upgradeToTls) throw new ProtocolError('an SSLRequest, but TLS was not offered', ErrorCode.HandshakeError);
    // The client starts TLS right after its SSLRequest, without waiting: its ClientHello
    // may already be in the reader, and belongs to the TLS layer.
    const rest = this.reader.remainder();
    if (rest.length > 0) this.stream.unshift(rest);
    await this.upgrade();
    return this.awaitResponse;
  };

  private readonly awaitResponse: Step = async () => {
    const packet = await this.read();
    if (isSslRequest(packet.payload)) throw new ProtocolError('a second SSLRequest on an encrypted connection', ErrorCode.HandshakeError);
    return this.finish(packet);
  };

  private async finish(packet: Packet): Promise<HandshakeOutcome> {
    const response = parseHandshakeResponse41(packet.payload);
    if (!this.tls && !this.opts.allowPlaintext) return this.tell({ ...ErrorCode.AccessDenied, message: TLS_REQUIRED_MESSAGE });
    const rest = this.reader.remainder();
    if (rest.length > 0) this.stream.unshift(rest);
    return {
      kind: 'handshake',
      socket: this.stream,
      tls: this.tls,
      user: response.user,
      database: response.database,
      capabilities: agreedCapabilities(response.capabilities, this.offered),
      charset: response.characterSet,
      maxPacket: response.maxPacketSize,
      attrs: response.attrs,
      authPluginName: response.authPluginName,
      sequenceId: this.nextSequenceId,
    };
  }

  private async read(): Promise<Packet> {
    const packet = await readPacket(this.stream, this.reader, this.deadline);
    if (!packet) throw new ClientGone('the client closed the connection during the handshake');
    this.nextSequenceId = (packet.lastSequenceId + 1) & 0xff;
    return packet;
  }

  private async upgrade(): Promise<void> {
    let upgraded: TLSSocket;
    try {
      upgraded = await withDeadline(this.opts.upgradeToTls!(this.stream), this.deadline);
    } catch (err) {
      throw new ClientGone(`TLS handshake failed: ${messageOf(err)}`);
    }
    upgraded.on('error', ignore);
    this.stream = upgraded;
    this.tls = true;
    this.reader = new PacketReader({ maxPacketLength: MAX_HANDSHAKE_PACKET });
  }

  /** Maps a failure to what the client is told; never throws. */
  async refuse(err: unknown): Promise<HandshakeOutcome> {
    // Whatever the codec would call it, a broken handshake is "Bad handshake" to a MySQL client.
    if (err instanceof ProtocolError) return this.tell({ ...ErrorCode.HandshakeError, message: `bad handshake: ${err.message}` });
    if (err instanceof ReadTimeoutError) {
      const seconds = Math.round((this.opts.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS) / 1000);
      return this.tell({ ...ErrorCode.HandshakeError, message: `the handshake did not complete within ${seconds} s` });
    }
    // A failed TLS handshake or a vanished client leaves no channel to write an error on.
    this.stream.destroy();
    return { kind: 'refused', reason: messageOf(err) };
  }

  private async tell(error: ClientError): Promise<HandshakeOutcome> {
    await closeGracefully(this.stream, errorPacket(error, this.nextSequenceId), this.opts.graceMs ?? DEFAULT_CLOSE_GRACE_MS);
    return { kind: 'refused', reason: error.message };
  }
}

class ClientGone extends Error {
  override name = 'ClientGone';
}

/**
 * 20 bytes for password plugins, printable and NUL-free as servers make them (some
 * clients read the scramble's second part as a C string). Postern checks no password;
 * the scramble is random so a client's answer is useless to anyone who records it.
 */
function scramble(): Buffer {
  const bytes = randomBytes(20);
  for (let i = 0; i < bytes.length; i++) bytes[i] = 0x21 + (bytes[i]! % 94);
  return bytes;
}


function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function ignore(): void {}
