import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Capability, DEFAULT_PROXY_CAPABILITIES, encodeStartup, readHandshake, sendError, TLS_REQUIRED_MESSAGE } from '../../src/index';
import type { HandshakeOutcome, ReadHandshakeOptions } from '../../src/index';
import { hex } from '@postern/testing/bytes';
import { createTestPki, LoopbackServers, tlsUpgrader } from '@postern/testing';
import type { TestPki } from '@postern/testing';
import { errFields, greetingFields, WireClient } from '../helpers/wire-client';
import { client as samples, packet } from '../protocol/samples';

// The proxy side against hand-driven clients: each test starts a listener on a free
// loopback port whose one connection goes through readHandshake.

let pki: TestPki;
const servers = new LoopbackServers();

beforeAll(async () => {
  pki = await createTestPki();
});
afterEach(() => servers.endTest());
afterAll(() => servers.close());

async function scenario(opts: Partial<ReadHandshakeOptions> & { tls?: boolean } = {}): Promise<{ client: WireClient; outcome: Promise<HandshakeOutcome> }> {
  const { tls = true, ...rest } = opts;
  const { port, outcome } = await servers.acceptOne((socket) =>
    readHandshake(socket, { serverVersion: '8.0.36-postern', ...(tls ? { upgradeToTls: tlsUpgrader(pki.server) } : {}), graceMs: 1_000, ...rest }),
  );
  return { client: servers.track(await WireClient.connect(port)), outcome };
}

const OFFERED = Capability.Ssl | Capability.Protocol41 | Capability.SecureConnection | Capability.PluginAuth | Capability.ConnectWithDb;

describe('readHandshake', () => {
  it('greets with the given version, a fresh printable scramble and the capabilities Postern relays', async () => {
    const { client } = await scenario();
    const greeting = await client.readPacket();
    expect(greeting.sequenceId).toBe(0);
    expect(greeting.payload[0]).toBe(10);
    const fields = greetingFields(greeting.payload);
    expect(fields.version).toBe('8.0.36-postern');
    expect(fields.plugin).toBe('mysql_native_password');
    expect(fields.charset).toBe(45);
    expect(fields.scramble).toHaveLength(20);
    expect([...fields.scramble].every((b) => b > 0x20 && b < 0x7f)).toBe(true);
    expect(fields.capabilities & OFFERED).toBe(OFFERED);
    // Not offered: compression, query attributes, and by default the format flags.
    expect(fields.capabilities & (Capability.Compress | Capability.QueryAttributes | Capability.DeprecateEof | Capability.SessionTrack)).toBe(0);
    // LongPassword set: "not MariaDB", so MariaDB clients send no extended capabilities.
    expect(fields.capabilities & Capability.LongPassword).toBe(Capability.LongPassword);

    const other = await scenario();
    expect(greetingFields((await other.client.readPacket()).payload).scramble).not.toEqual(fields.scramble);
  });

  it('takes the SSLRequest, upgrades, and returns the response (sequence 3 next)', async () => {
    const { client, outcome } = await scenario();
    await client.readPacket();
    client.send(samples.sslRequest, 1);
    await client.startTls();
    client.send(samples.handshakeResponse, 2);
    const result = await outcome;
    expect(result).toMatchObject({
      kind: 'handshake',
      tls: true,
      user: 'alice',
      database: 'appdb',
      charset: 45,
      maxPacket: 16 * 1024 * 1024,
      attrs: { _client_name: 'wire' },
      authPluginName: 'mysql_native_password',
      sequenceId: 3,
    });
    if (result.kind !== 'handshake') throw new Error('unreachable');
    // What the client asked for, as far as it was offered: its ConnectAttrs stays, nothing it did not ask for is added.
    expect(result.capabilities).toBe(0x003a8a09 & (DEFAULT_PROXY_CAPABILITIES | Capability.Ssl | Capability.PluginAuth));
    expect(encodeStartup(result)).toEqual({
      user: 'alice',
      database: 'appdb',
      capabilities: String(result.capabilities),
      charset: '45',
      max_packet: String(16 * 1024 * 1024),
      attrs: '{"_client_name":"wire"}',
      sequence: '3',
    });
  });

  it('hands on a TLS ClientHello that came in the same chunk as the SSLRequest', async () => {
    const { client, outcome } = await scenario();
    await client.readPacket();
    // Cork the socket so that the SSLRequest and the start of TLS leave together.
    client.socket.cork();
    client.send(samples.sslRequest, 1);
    const tls = client.startTls();
    process.nextTick(() => client.socket.uncork());
    await tls;
    client.send(samples.handshakeResponse, 2);
    expect((await outcome).kind).toBe('handshake');
  });

  it('keeps bytes the client sent right after its response', async () => {
    const { client, outcome } = await scenario();
    await client.readPacket();
    client.send(samples.sslRequest, 1);
    await client.startTls();
    const ping = packet(hex('0e'), 0);
    client.write(Buffer.concat([packet(samples.handshakeResponse, 2), ping]));
    const result = await outcome;
    if (result.kind !== 'handshake') throw new Error(`expected handshake, got ${result.kind}`);
    // The socket comes back paused, with the ping unshifted into it.
    const next = await new Promise<Buffer>((resolve) => {
      result.socket.once('data', resolve);
      result.socket.resume();
    });
    expect(next).toEqual(ping);
  });

  it('refuses a client without TLS with 1045/28000 at sequence 2', async () => {
    const { client, outcome } = await scenario();
    await client.readPacket();
    const plain = Buffer.from(samples.handshakeResponse);
    plain.writeUInt32LE(0x003a8209, 0); // no CLIENT_SSL
    client.send(plain, 1);
    const reply = await client.readPacket();
    expect(reply.sequenceId).toBe(2);
    expect(errFields(reply.payload)).toEqual({ code: 1045, sqlState: '28000', message: TLS_REQUIRED_MESSAGE });
    await client.closed();
    expect(await outcome).toEqual({ kind: 'refused', reason: TLS_REQUIRED_MESSAGE });
  });

  it('accepts plaintext when allowed (sequence 2 next), and then offers no CLIENT_SSL', async () => {
    const { client, outcome } = await scenario({ tls: false, allowPlaintext: true });
    const greeting = greetingFields((await client.readPacket()).payload);
    expect(greeting.capabilities & Capability.Ssl).toBe(0);
    client.send(samples.handshakeResponse, 1);
    expect(await outcome).toMatchObject({ kind: 'handshake', tls: false, sequenceId: 2 });
  });

  it('answers a malformed response with 1043 (bad handshake)', async () => {
    const { client, outcome } = await scenario();
    await client.readPacket();
    client.send(samples.sslRequest, 1);
    await client.startTls();
    client.send(samples.handshakeResponse.subarray(0, 34), 2);
    const reply = await client.readPacket();
    expect(reply.sequenceId).toBe(3);
    expect(errFields(reply.payload)).toMatchObject({ code: 1043, sqlState: '08S01', message: 'bad handshake: HandshakeResponse41 is malformed: a string is not terminated' });
    expect((await outcome).kind).toBe('refused');
  });

  it('gives up on a client that does not finish in time', async () => {
    const { client, outcome } = await scenario({ timeoutMs: 300 });
    await client.readPacket();
    const reply = await client.readPacket();
    expect(errFields(reply.payload)).toMatchObject({ code: 1043, message: 'the handshake did not complete within 0 s' });
    expect(await outcome).toMatchObject({ kind: 'refused' });
  });

  it('returns refused when the client goes away', async () => {
    const { client, outcome } = await scenario();
    await client.readPacket();
    client.destroy();
    expect(await outcome).toEqual({ kind: 'refused', reason: 'the client closed the connection during the handshake' });
  });
});

describe('sendError', () => {
  it('writes an ERR packet with the given sequence id and closes', async () => {
    const { client } = await scenario();
    await client.readPacket();
    const socket = servers.accepted.at(-1)!;
    await sendError(socket, { code: 2003, sqlState: 'HY000', message: 'database demo is unreachable' }, 2, { graceMs: 500 });
    const reply = await client.readPacket();
    expect(reply.sequenceId).toBe(2);
    // ff, 2003 little-endian, '#', "HY000", the message
    expect(reply.payload).toEqual(Buffer.concat([hex('ff d307 23 4859303030'), Buffer.from('database demo is unreachable')]));
    await client.closed();
  });
});
