import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type { AuditEventDraft } from '@postern/engine';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  buildAuthMoreData,
  buildAuthSwitchRequest,
  buildErr,
  buildHandshakeV10,
  buildOk,
  Capability as C,
  DEFAULT_PROXY_CAPABILITIES,
  encodeStartup,
  framePacket,
  MysqlEngine,
  PacketReader,
  parseHandshakeResponse41,
  parseSslRequest,
  readHandshake,
} from '../../src/index';
import type { HandshakeResponse41, Packet, ReadHandshakeOptions } from '../../src/index';
import { readPacket } from '../../src/io/read-packet';
import { hex } from '@postern/testing/bytes';
import { allowingConfig, createTestPki, fakeSessionContext, LoopbackServers, tlsUpgrader } from '@postern/testing';
import type { LogLine, TestPki } from '@postern/testing';
import { errFields } from '../helpers/wire-client';
import { wireLogin } from '../helpers/wire-login';

// A scripted database for what MariaDB here never does: ask for another auth plugin,
// refuse in its greeting, lack TLS or a capability the client was offered.

const SERVER_CAPS = (C.LongPassword | C.Protocol41 | C.SecureConnection | C.PluginAuth | C.PluginAuthLenencClientData | C.ConnectAttrs |
  C.ConnectWithDb | C.Ssl | C.Transactions | C.MultiResults | C.MultiStatements | C.SessionTrack | C.DeprecateEof) >>> 0;

const CLIENT_FLAGS = C.LongPassword | C.Protocol41 | C.SecureConnection | C.Ssl | C.PluginAuth | C.PluginAuthLenencClientData | C.ConnectWithDb | C.ConnectAttrs;

/** One connection to the fake database, driven by a test's script. */
class FakeConnection {
  private reader = new PacketReader();
  constructor(public stream: Duplex) {}

  send(payload: Buffer, sequenceId: number): void {
    this.stream.write(framePacket(payload, sequenceId));
  }

  async read(): Promise<Packet> {
    const packet = await readPacket(this.stream, this.reader, Date.now() + 5_000);
    if (!packet) throw new Error('the agent hung up');
    return packet;
  }

  greet(opts: { capabilities?: number; plugin?: string; version?: string } = {}): void {
    this.send(
      buildHandshakeV10({
        serverVersion: opts.version ?? '8.0.36-fake',
        connectionId: 7,
        authPluginData: Buffer.from('abcdefghijklmnopqrst'),
        capabilities: opts.capabilities ?? SERVER_CAPS,
        characterSet: 45,
        statusFlags: 2,
        authPluginName: opts.plugin ?? 'caching_sha2_password',
        mariadbCapabilities: 0,
      }),
      0,
    );
  }

  /** SSLRequest, then TLS as the server; the agent's ClientHello may already be in the reader. */
  async acceptTls(pki: TestPki): Promise<void> {
    parseSslRequest((await this.read()).payload);
    const rest = this.reader.remainder();
    if (rest.length > 0) this.stream.unshift(rest);
    this.stream = await new Promise<TLSSocket>((resolve, reject) => {
      const secure = new TLSSocket(this.stream, { isServer: true, cert: pki.server.certPem, key: pki.server.keyPem, requestCert: true, ca: pki.ca.certPem });
      secure.once('secure', () => resolve(secure));
      secure.once('error', reject);
    });
    this.reader = new PacketReader();
  }

  async login(pki: TestPki): Promise<HandshakeResponse41> {
    await this.acceptTls(pki);
    const packet = await this.read();
    expect(packet.sequenceId).toBe(2);
    return parseHandshakeResponse41(packet.payload);
  }
}

let pki: TestPki;
const servers = new LoopbackServers();
let drafts: AuditEventDraft[];
let logs: LogLine[];
let sessions: Promise<void>[];

beforeAll(async () => {
  pki = await createTestPki();
});
afterEach(async () => {
  await Promise.allSettled(sessions ?? []);
  servers.endTest();
});
afterAll(() => servers.close());

/** A fake database running `script`, and a proxy listener whose sessions go to it through MysqlEngine. */
async function scenario(script: (db: FakeConnection) => Promise<void>, handshake: Partial<ReadHandshakeOptions> = {}) {
  drafts = [];
  logs = [];
  sessions = [];
  let scriptDone!: Promise<void>;
  const dbPort = await servers.listen((socket) => {
    socket.on('error', () => {});
    scriptDone = script(new FakeConnection(socket));
  });
  const engine = new MysqlEngine({ closeGraceMs: 500, connectTimeoutMs: 5_000 });
  const proxyPort = await servers.listen((socket) => {
    sessions.push(
      (async () => {
        const outcome = await readHandshake(socket, { serverVersion: 'proxy', upgradeToTls: tlsUpgrader(pki.server), graceMs: 500, ...handshake });
        if (outcome.kind !== 'handshake') return;
        const database = { name: 'demo', protocol: 'mysql' as const, uri: `127.0.0.1:${dbPort}`, caPem: pki.ca.certPem, labels: {} };
        const ctx = fakeSessionContext({ sessionId: 's1', config: allowingConfig(database, pki), audits: drafts, logs, schemaErrors: [] });
        await engine.handleConnection(outcome.socket, encodeStartup(outcome), ctx);
      })(),
    );
  });
  return { proxyPort, dbPort, script: () => scriptDone };
}

describe('MysqlEngine against a scripted database', () => {
  it("answers caching_sha2_password's switch and full authentication with an empty password over TLS", async () => {
    let response: HandshakeResponse41 | undefined;
    const replies: Packet[] = [];
    const { proxyPort, script } = await scenario(async (db) => {
      db.greet();
      response = await db.login(pki);
      db.send(buildAuthSwitchRequest({ pluginName: 'caching_sha2_password', pluginData: Buffer.from('ABCDEFGHIJKLMNOPQRST\0') }), 3);
      replies.push(await db.read());
      db.send(buildAuthMoreData({ data: hex('04') }), 5);
      replies.push(await db.read());
      db.send(buildOk({ info: '' }, C.Protocol41), 7);
      const query = await db.read();
      expect(query).toMatchObject({ sequenceId: 0, payload: hex('03 73656c6563742031') });
      db.send(buildOk({ affectedRows: 0 }, C.Protocol41), 1);
    });
    const { client, result } = await wireLogin(proxyPort, CLIENT_FLAGS);
    expect(result.sequenceId).toBe(3);
    expect(result.payload[0]).toBe(0);
    client.send(hex('03 73656c6563742031'), 0);
    expect(await client.readPacket()).toMatchObject({ sequenceId: 1, payload: hex('00 00 00 0200 0000') });
    await script();
    client.destroy();

    expect(replies.map((r) => [r.sequenceId, r.payload.toString('hex')])).toEqual([
      [4, ''],
      [6, '00'],
    ]);
    expect(response).toMatchObject({
      user: 'alice',
      authResponse: Buffer.alloc(0),
      database: 'appdb',
      authPluginName: 'caching_sha2_password',
      attrs: { _client_name: 'wire' },
      characterSet: 45,
    });
    const caps = response!.capabilities;
    expect(caps & (C.Ssl | C.Protocol41 | C.ConnectWithDb | C.ConnectAttrs)).toBe(C.Ssl | C.Protocol41 | C.ConnectWithDb | C.ConnectAttrs);
    // Not asked for by the client, so not asked of the database.
    expect(caps & (C.DeprecateEof | C.SessionTrack | C.MultiStatements)).toBe(0);
  });

  it("takes caching_sha2_password's fast authentication", async () => {
    const { proxyPort } = await scenario(async (db) => {
      db.greet();
      await db.login(pki);
      db.send(buildAuthMoreData({ data: hex('03') }), 3);
      db.send(buildOk({}, C.Protocol41), 4);
      await db.read().catch(() => undefined);
    });
    const { client, result } = await wireLogin(proxyPort, CLIENT_FLAGS);
    expect(result).toMatchObject({ sequenceId: 3, payload: hex('00 00 00 0200 0000') });
    client.destroy();
  });

  it('passes on a refusal in the greeting (too many connections), naming the database', async () => {
    const { proxyPort, dbPort } = await scenario(async (db) => {
      db.send(buildErr({ code: 1040, sqlState: '', message: 'Too many connections' }), 0);
      db.stream.end();
    });
    const { result } = await wireLogin(proxyPort, CLIENT_FLAGS);
    expect(result.sequenceId).toBe(3);
    expect(errFields(result.payload)).toEqual({
      code: 1040,
      sqlState: 'HY000',
      message: `database demo at 127.0.0.1:${dbPort} refused the connection: Too many connections`,
    });
    expect(drafts).toEqual([{ event: 'db.session.start', success: false, error: expect.stringMatching(/Too many connections/) }]);
  });

  it('refuses a database that does not offer TLS', async () => {
    const { proxyPort } = await scenario(async (db) => {
      db.greet({ capabilities: SERVER_CAPS & ~C.Ssl });
      await db.read().catch(() => undefined);
    });
    const { result } = await wireLogin(proxyPort, CLIENT_FLAGS);
    expect(errFields(result.payload)).toMatchObject({ code: 1429, message: expect.stringMatching(/does not accept TLS connections: set ssl_cert, ssl_key and ssl_ca/) });
  });

  it('refuses a session whose client took a format flag the database lacks', async () => {
    const { proxyPort } = await scenario(
      async (db) => {
        db.greet({ capabilities: SERVER_CAPS & ~C.DeprecateEof, version: '5.6.51-fake' });
        await db.read().catch(() => undefined);
      },
      { capabilities: DEFAULT_PROXY_CAPABILITIES | C.DeprecateEof },
    );
    const { result } = await wireLogin(proxyPort, CLIENT_FLAGS | C.DeprecateEof);
    expect(errFields(result.payload)).toEqual({
      code: 1235,
      sqlState: '42000',
      message:
        'database demo (5.6.51-fake) lacks DeprecateEof, which the Postern proxy offered your client; ask an administrator to offer only what this database supports',
    });
  });

  it('refuses a database that breaks the protocol during authentication', async () => {
    const { proxyPort } = await scenario(async (db) => {
      db.greet();
      await db.login(pki);
      db.send(hex('42 0102'), 3);
      await db.read().catch(() => undefined);
    });
    const { result } = await wireLogin(proxyPort, CLIENT_FLAGS);
    expect(errFields(result.payload)).toMatchObject({ code: 1156, message: expect.stringMatching(/sent an unexpected packet \(0x42\) during authentication/) });
  });
});
