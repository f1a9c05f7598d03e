import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { closeGracefully, DEFAULT_CLOSE_GRACE_MS, withDeadline } from '@postern/engine';
import { readChunk, readFrame, ReadTimeoutError } from '../io/read-frame';
import { sendError } from '../io/send-error';
import type { ClientError } from '../io/send-error';
import { EncryptionResponse } from '../protocol/codes';
import { ProtocolError } from '../protocol/errors';
import { MessageFramer } from '../protocol/framer';
import { serialize } from '../protocol/serializer';
import { SqlState } from '../protocol/sqlstate';
import { parseStartupPacket } from '../protocol/startup-packet';
import type { StartupPacket } from '../protocol/startup-packet';

/** PostgreSQL's authentication_timeout defaults to a minute; a startup is a few round trips. */
export const DEFAULT_STARTUP_TIMEOUT_MS = 60_000;

/** The first byte of a TLS record carrying a handshake (ClientHello). */
const TLS_HANDSHAKE_RECORD = 0x16;
/** Startup parameters with this prefix are protocol options, not settings for the server. */
const PROTOCOL_OPTION_PREFIX = '_pq_.';

export const TLS_REQUIRED_MESSAGE =
  'Postern requires TLS: connect with sslmode=verify-full and the certificate from `postern db login NAME` (or use `postern db connect NAME`)';

export type StartupOutcome =
  /**
   * A client ready for the engine. `socket` is paused (resume or pipe it); bytes the
   * client sent after its StartupMessage are unshifted into it, not lost.
   */
  | { kind: 'startup'; params: Record<string, string>; socket: Duplex; tls: boolean }
  /** A CancelRequest; the connection is already being closed, as PostgreSQL does. */
  | { kind: 'cancel'; pid: number; key: number; tls: boolean }
  /** Turned away (the client was told why, when it could still be told) or gone. */
  | { kind: 'refused'; reason: string };

export interface ReadStartupOptions {
  /**
   * Wraps the raw socket in TLS as a server and resolves once the handshake is done. It
   * is called right after 'S' is written (or with the ClientHello unshifted into the
   * socket, for clients that start TLS directly, sslnegotiation=direct). Without it every
   * SSLRequest is answered 'N'.
   */
  upgradeToTls?: (socket: Duplex) => Promise<TLSSocket>;
  /** Accept a StartupMessage without TLS; only for a local listener such as `postern proxy db`. */
  allowPlaintext?: boolean;
  /** The whole negotiation must finish within this time. */
  timeoutMs?: number;
  /** How long a refused client gets to read its error before the socket is destroyed. */
  graceMs?: number;
}

/**
 * The proxy's side of a PostgreSQL connection's first packets, before any database is
 * involved: negotiates encryption, recognises cancel requests, and returns the client's
 * startup parameters. Never rejects: whatever goes wrong is told to the client as a FATAL
 * ErrorResponse and comes back as `refused`.
 */
export async function readStartup(socket: Duplex, opts: ReadStartupOptions = {}): Promise<StartupOutcome> {
  const negotiation = new StartupNegotiation(socket, opts);
  try {
    return await negotiation.run();
  } catch (err) {
    return negotiation.refuse(err);
  }
}

/** Over one connection: which stream we read from now, and whether it is encrypted. */
class StartupNegotiation {
  private stream: Duplex;
  private tls = false;
  private framer = new MessageFramer({ startup: true });
  private readonly deadline: number;

  constructor(
    socket: Duplex,
    private readonly opts: ReadStartupOptions,
  ) {
    this.stream = socket;
    this.deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS);
    // Errors after the hand-off surface as 'close'; an unhandled 'error' would kill the process.
    socket.on('error', ignore);
  }

  async run(): Promise<StartupOutcome> {
    if (this.opts.upgradeToTls) await this.detectDirectTls();
    for (;;) {
      const frame = await readFrame(this.stream, this.framer, this.deadline);
      if (!frame) return this.gone('the client closed the connection during startup');
      const packet = parseStartupPacket(frame);
      switch (packet.type) {
        case 'sslRequest':
          await this.onSslRequest();
          break;
        case 'gssEncRequest':
          this.onGssEncRequest();
          break;
        case 'cancelRequest':
          return this.onCancelRequest(packet.pid, packet.key);
        case 'startupMessage':
          return this.onStartupMessage(packet);
      }
    }
  }

  /** PostgreSQL 17 clients may skip SSLRequest and open with a ClientHello. */
  private async detectDirectTls(): Promise<void> {
    const first = await readChunk(this.stream, this.deadline);
    if (!first) return;
    if (first[0] === TLS_HANDSHAKE_RECORD) {
      this.stream.unshift(first);
      await this.upgrade();
    } else {
      this.framer.push(first);
    }
  }

  private async onSslRequest(): Promise<void> {
    if (this.tls) throw new ProtocolError('SSLRequest received on a connection that is already encrypted');
    if (!this.opts.upgradeToTls) {
      this.stream.write(Buffer.of(EncryptionResponse.Refuse));
      return;
    }
    // Bytes sent before our 'S' would be read as if they had come through TLS: a
    // man-in-the-middle could inject them (CVE-2021-23214). PostgreSQL refuses the same way.
    if (this.framer.bufferedBytes > 0) throw new ProtocolError('received unencrypted data after SSL request');
    this.stream.write(Buffer.of(EncryptionResponse.Accept));
    await this.upgrade();
  }

  private onGssEncRequest(): void {
    if (this.tls) throw new ProtocolError('GSSENCRequest received on a connection that is already encrypted');
    // Postern authenticates by certificate; libpq then falls back to its SSLRequest.
    this.stream.write(Buffer.of(EncryptionResponse.Refuse));
  }

  private async upgrade(): Promise<void> {
    const upgradeToTls = this.opts.upgradeToTls!;
    let upgraded: TLSSocket;
    try {
      upgraded = await withDeadline(upgradeToTls(this.stream), this.deadline);
    } catch (err) {
      throw new TlsUpgradeError(`TLS handshake failed: ${messageOf(err)}`);
    }
    upgraded.on('error', ignore);
    this.stream = upgraded;
    this.tls = true;
    this.framer = new MessageFramer({ startup: true });
  }

  private onCancelRequest(pid: number, key: number): StartupOutcome {
    void closeGracefully(this.stream, undefined, this.opts.graceMs);
    return { kind: 'cancel', pid, key, tls: this.tls };
  }

  private async onStartupMessage(packet: Extract<StartupPacket, { type: 'startupMessage' }>): Promise<StartupOutcome> {
    if (!this.tls && !this.opts.allowPlaintext) {
      return this.tell({ code: SqlState.InvalidAuthorizationSpecification, message: TLS_REQUIRED_MESSAGE });
    }
    const params: Record<string, string> = {};
    const options: string[] = [];
    for (const [name, value] of Object.entries(packet.params)) {
      if (name.startsWith(PROTOCOL_OPTION_PREFIX)) options.push(name);
      else params[name] = value;
    }
    if (!params['user']) {
      return this.tell({ code: SqlState.InvalidAuthorizationSpecification, message: 'no PostgreSQL user name specified in startup packet' });
    }
    // Postern speaks 3.0 to the database; a client asking for more is told so before
    // anything else, which is where a server would say it (clients then carry on in 3.0).
    if (packet.minorVersion > 0 || options.length > 0) this.stream.write(serialize.negotiateProtocolVersion(0, options));
    const rest = this.framer.remainder();
    if (rest.length > 0) this.stream.unshift(rest);
    return { kind: 'startup', params, socket: this.stream, tls: this.tls };
  }

  /** Maps a failure to what the client is told; never throws. */
  async refuse(err: unknown): Promise<StartupOutcome> {
    if (err instanceof ProtocolError) return this.tell({ code: err.sqlState, message: err.message });
    if (err instanceof ReadTimeoutError) {
      const seconds = Math.round((this.opts.timeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS) / 1000);
      return this.tell({ code: SqlState.ConnectionFailure, message: `the connection startup did not complete within ${seconds} s` });
    }
    // A failed TLS handshake leaves no channel to write an error on.
    return this.gone(messageOf(err));
  }

  private async tell(error: ClientError): Promise<StartupOutcome> {
    await sendError(this.stream, error, { graceMs: this.opts.graceMs ?? DEFAULT_CLOSE_GRACE_MS });
    return { kind: 'refused', reason: error.message };
  }

  private gone(reason: string): StartupOutcome {
    this.stream.destroy();
    return { kind: 'refused', reason };
  }
}

class TlsUpgradeError extends Error {
  override name = 'TlsUpgradeError';
}


function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function ignore(): void {}
