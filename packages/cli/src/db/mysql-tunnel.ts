import type net from 'node:net';
import type tls from 'node:tls';
import {
  Capability,
  ErrorCode,
  PacketReader,
  ProtocolError,
  ReadTimeoutError,
  buildHandshakeV10,
  buildSslRequest,
  framePacket,
  isErrPacket,
  isOkPacket,
  isSslRequest,
  nextSequenceId,
  parseErr,
  parseHandshakeResponse41,
  parseHandshakeV10,
  readPacket,
  sendError,
  type ClientError,
  type HandshakeResponse41,
  type HandshakeV10,
  type MysqlErrorCode,
  type Packet,
} from '@postern/mysql';
import { connectTcp, startProxyTls, type DbCredentials } from './proxy-tls';
import { describeTlsError } from './tls-errors';
import { relay, type TunnelContext } from './tunnel';

// `postern proxy db --tunnel` for MySQL and MariaDB. The server speaks first, so the tunnel
// dials the proxy as soon as a client connects and stands between the two for the login:
// the client gets the proxy's greeting without CLIENT_SSL and stays plain on loopback; the
// tunnel sends the proxy the SSLRequest the client did not, does TLS with the database
// certificate, and passes the client's HandshakeResponse41 on. The proxy's side of the
// login then has one packet more than the client's, so sequence ids are shifted by one
// until the proxy's verdict; commands restart at 0 on both sides, and bytes pass unchanged.

/** As connectProxyTls: a proxy that does not answer within this is not going to. */
const CONNECT_TIMEOUT_MS = 15_000;
/** The whole login; the proxy's part includes the agent's login at the database. */
const LOGIN_TIMEOUT_MS = 60_000;
/** Login packets are small; connection attributes are the largest part and MySQL caps them at 64 KiB. */
const MAX_LOGIN_PACKET = 256 * 1024;

/** Why a client is turned away, as the ERR packet it is sent. */
class Refusal extends Error {
  override name = 'Refusal';
  constructor(
    readonly reply: MysqlErrorCode,
    message: string,
    /** Whether the hint (check your certificate and session) can help; not for a client's own mistake. */
    readonly hinted = true,
  ) {
    super(message);
  }
}

export async function tunnelMysql(client: net.Socket, ctx: TunnelContext): Promise<string> {
  const login = new TunnelLogin(client, ctx);
  try {
    return await login.run();
  } catch (err) {
    await login.refuse(err);
    throw err;
  }
}

class TunnelLogin {
  private readonly where: string;
  private readonly clientReader = new PacketReader({ maxPacketLength: MAX_LOGIN_PACKET });
  /** The sequence id the client expects on our next packet: before the greeting 0, then its last one plus one. */
  private toClient = 0;
  private readonly upstream: net.Socket[] = [];

  constructor(
    private readonly client: net.Socket,
    private readonly ctx: TunnelContext,
  ) {
    this.where = `${ctx.target.host}:${ctx.target.port}`;
  }

  async run(): Promise<string> {
    const creds = await this.credentials();
    const deadline = Date.now() + LOGIN_TIMEOUT_MS;
    const { raw, greeting } = await this.dial();
    // Offered TLS, the client would start it here, without the certificate it lacks.
    this.send(buildHandshakeV10({ ...greeting, capabilities: (greeting.capabilities & ~Capability.Ssl) >>> 0 }));
    const { packet, response } = await this.readResponse(deadline);
    const secure = await this.startTls(raw, response, packet.sequenceId, creds);
    const payload = Buffer.from(packet.payload);
    payload.writeUInt32LE((response.capabilities | Capability.Ssl) >>> 0, 0);
    secure.write(framePacket(payload, packet.sequenceId + 1));

    const verdict = await this.relayLogin(secure, deadline);
    if (isErrPacket(verdict.payload)) return this.passRefusal(verdict);
    this.client.write(framePacket(verdict.payload, verdict.sequenceId - 1));
    const broken = await relay(this.client, secure);
    const { user, database } = response;
    return `session as ${user}${database ? ` to ${database}` : ''}${broken ? ` ended: ${broken}` : ''}`;
  }

  /** Tells the client why, when it can still be told, and hangs up the proxy; never throws. */
  async refuse(err: unknown): Promise<void> {
    for (const s of this.upstream) s.destroy();
    if (!(err instanceof Refusal)) return;
    const message = `postern: ${err.message}${err.hinted ? this.ctx.hint : ''}`;
    await sendError(this.client, { ...err.reply, message }, this.toClient);
  }

  private send(payload: Buffer): void {
    this.client.write(framePacket(payload, this.toClient));
    this.toClient = nextSequenceId(this.toClient, payload.length);
  }

  private async credentials(): Promise<DbCredentials> {
    try {
      return await this.ctx.credentials();
    } catch (err) {
      // The message says what to run (RenewingCredentials words it).
      throw new Refusal(ErrorCode.AccessDenied, (err as Error).message, false);
    }
  }

  private unreachable(why: string): Refusal {
    return new Refusal(ErrorCode.Unreachable, `cannot reach the Postern proxy at ${this.where}: ${why}`);
  }

  /** TCP to the proxy's MySQL port and its greeting. */
  private async dial(): Promise<{ raw: net.Socket; greeting: HandshakeV10 }> {
    let raw: net.Socket;
    try {
      raw = this.ctx.track(await connectTcp(this.ctx.target, CONNECT_TIMEOUT_MS));
    } catch (err) {
      throw this.unreachable(describeTlsError(err as Error));
    }
    this.upstream.push(raw);
    const notMysql = (why: string) => this.unreachable(`it does not answer as a MySQL server (${why}); is this the proxy's MySQL port (proxy.mysql_listen)?`);
    const reader = new PacketReader({ maxPacketLength: MAX_LOGIN_PACKET });
    let packet: Packet | null;
    try {
      packet = await readPacket(raw, reader, Date.now() + CONNECT_TIMEOUT_MS);
    } catch (err) {
      if (err instanceof ReadTimeoutError) throw notMysql(`no greeting within ${CONNECT_TIMEOUT_MS / 1000} s`);
      if (err instanceof ProtocolError) throw notMysql(err.message);
      throw this.unreachable(describeTlsError(err as Error));
    }
    if (!packet) throw this.unreachable('it closed the connection before its greeting');
    if (isErrPacket(packet.payload)) {
      const err = proxyError(packet.payload);
      throw new Refusal(err, `the Postern proxy at ${this.where} refused the connection: ${err.message}`);
    }
    // Bytes after the greeting would be read as if they had come through TLS: someone in
    // between could have put them there. A server never sends them.
    if (reader.bufferedBytes > 0) throw notMysql('it sent more than its greeting before TLS');
    let greeting: HandshakeV10;
    try {
      greeting = parseHandshakeV10(packet.payload);
    } catch (err) {
      throw notMysql((err as Error).message);
    }
    if (!(greeting.capabilities & Capability.Ssl)) throw new Refusal(ErrorCode.TlsFailed, `cannot reach the Postern proxy at ${this.where}: it does not offer TLS (is it a Postern proxy?)`);
    return { raw, greeting };
  }

  /** The client's HandshakeResponse41, in the clear. */
  private async readResponse(deadline: number): Promise<{ packet: Packet; response: HandshakeResponse41 }> {
    let packet: Packet | null;
    try {
      packet = await readPacket(this.client, this.clientReader, deadline);
    } catch (err) {
      if (err instanceof ReadTimeoutError) throw new Refusal(ErrorCode.HandshakeError, `bad handshake: no login within ${LOGIN_TIMEOUT_MS / 1000} s`, false);
      if (err instanceof ProtocolError) throw badHandshake(err);
      throw err;
    }
    if (!packet) throw new Error('the client closed the connection before logging in');
    this.toClient = (packet.lastSequenceId + 1) & 0xff;
    if (isSslRequest(packet.payload)) {
      throw new Refusal(
        ErrorCode.HandshakeError,
        'this tunnel takes plain connections and adds TLS with your certificate itself: connect without TLS (mariadb --skip-ssl, mysql --ssl-mode=DISABLED)',
        false,
      );
    }
    try {
      return { packet, response: parseHandshakeResponse41(packet.payload) };
    } catch (err) {
      throw badHandshake(err);
    }
  }

  /** The SSLRequest the client did not send (it takes the id of the client's response), then TLS. */
  private async startTls(raw: net.Socket, response: HandshakeResponse41, sequenceId: number, creds: DbCredentials): Promise<tls.TLSSocket> {
    const { capabilities, maxPacketSize, characterSet, mariadbCapabilities } = response;
    raw.write(framePacket(buildSslRequest({ capabilities, maxPacketSize, characterSet, mariadbCapabilities }), sequenceId));
    const timer = setTimeout(() => raw.destroy(new Error(`no TLS handshake within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
    try {
      const secure = this.ctx.track(await startProxyTls(raw, this.ctx.target, creds));
      this.upstream.push(secure);
      return secure;
    } catch (err) {
      throw new Refusal(ErrorCode.TlsFailed, `cannot reach the Postern proxy at ${this.where}: ${describeTlsError(err as Error)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The rest of the login, both ways, with ids shifted by the SSLRequest: an
   * AuthSwitchRequest and its answer, a plugin's more-data packets. Resolves with the
   * proxy's verdict (OK or ERR), not yet forwarded; both sides are left paused, with what
   * followed put back.
   */
  private relayLogin(secure: tls.TLSSocket, deadline: number): Promise<Packet> {
    const { client, clientReader } = this;
    const proxyReader = new PacketReader({ maxPacketLength: MAX_LOGIN_PACKET });
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (err: Error | null, verdict?: Packet) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        secure.off('data', fromProxy).off('end', proxyClosed).off('close', proxyClosed).off('error', proxyFailed);
        client.off('data', fromClient).off('end', clientLeft).off('close', clientLeft);
        secure.pause();
        client.pause();
        if (err) return reject(err);
        const early = proxyReader.remainder();
        if (early.length > 0) secure.unshift(early);
        const rest = clientReader.remainder();
        if (rest.length > 0) client.unshift(rest);
        resolve(verdict!);
      };
      const fromProxy = (chunk: Buffer) => {
        proxyReader.push(chunk);
        try {
          for (let p = proxyReader.next(); p; p = proxyReader.next()) {
            if (isOkPacket(p.payload) || isErrPacket(p.payload)) return finish(null, p);
            client.write(framePacket(p.payload, p.sequenceId - 1));
            this.toClient = p.lastSequenceId;
          }
        } catch (err) {
          finish(new Refusal(ErrorCode.ProtocolViolation, `the Postern proxy at ${this.where} broke the protocol during the login: ${(err as Error).message}`));
        }
      };
      const fromClient = (chunk: Buffer) => {
        clientReader.push(chunk);
        try {
          for (let p = clientReader.next(); p; p = clientReader.next()) {
            secure.write(framePacket(p.payload, p.sequenceId + 1));
            this.toClient = (p.lastSequenceId + 1) & 0xff;
          }
        } catch (err) {
          finish(badHandshake(err));
        }
      };
      const proxyClosed = () => finish(new Refusal(ErrorCode.Unreachable, `the Postern proxy at ${this.where} closed the connection during the login`));
      // With TLS 1.3 a server refuses a client certificate after the handshake, as an alert here.
      const proxyFailed = (err: Error) => finish(new Refusal(ErrorCode.TlsFailed, `the Postern proxy at ${this.where} ended the connection: ${describeTlsError(err)}`));
      const clientLeft = () => finish(new Error('the client closed the connection during the login'));
      const timer = setTimeout(
        () => finish(new Refusal(ErrorCode.Unreachable, `the Postern proxy at ${this.where} did not finish the login within ${LOGIN_TIMEOUT_MS / 1000} s`)),
        Math.max(0, deadline - Date.now()),
      );
      secure.on('data', fromProxy).on('end', proxyClosed).on('close', proxyClosed).on('error', proxyFailed);
      client.on('data', fromClient).on('end', clientLeft).on('close', clientLeft);
      if (client.destroyed || client.readableEnded) return clientLeft();
      secure.resume();
      client.resume();
      // Packets the client sent along with its response.
      fromClient(Buffer.alloc(0));
    });
  }

  /** The proxy's ERR (access denied, no agent, …), in its own words, with the client's id. */
  private async passRefusal(verdict: Packet): Promise<never> {
    this.toClient = (verdict.sequenceId - 1) & 0xff;
    const err = proxyError(verdict.payload);
    for (const s of this.upstream) s.destroy();
    await sendError(this.client, err, this.toClient);
    throw new Error(`the Postern proxy refused the login: ERROR ${err.code} (${err.sqlState}): ${err.message}`);
  }
}

function badHandshake(err: unknown): Refusal {
  return new Refusal(ErrorCode.HandshakeError, `bad handshake: ${(err as Error).message}`, false);
}

/** An ERR packet from the proxy, as sendError takes it. */
function proxyError(payload: Buffer): ClientError {
  try {
    const err = parseErr(payload);
    // No SQLSTATE (or a bad one) is what a client reads as HY000.
    return { ...err, sqlState: /^[0-9A-Z]{5}$/.test(err.sqlState) ? err.sqlState : 'HY000' };
  } catch (err) {
    return { ...ErrorCode.ProtocolViolation, message: `the Postern proxy sent a malformed error: ${(err as Error).message}` };
  }
}
