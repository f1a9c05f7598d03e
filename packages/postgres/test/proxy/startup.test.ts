import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readStartup, sendError, SqlState, TLS_REQUIRED_MESSAGE } from '../../src/index';
import type { ReadStartupOptions, StartupOutcome } from '../../src/index';
import { hex } from '@postern/testing/bytes';
import { createTestPki, LoopbackServers, tlsUpgrader } from '@postern/testing';
import type { TestPki } from '@postern/testing';
import { errorFields, WireClient } from '../helpers/wire-client';
import { startup } from '../protocol/samples';

// The proxy side against hand-driven clients: each test starts a listener on a free
// loopback port whose one connection goes through readStartup.

let pki: TestPki;
const servers = new LoopbackServers();

beforeAll(async () => {
  pki = await createTestPki();
});
afterEach(() => servers.endTest());
afterAll(() => servers.close());

/** Listens for one connection, runs readStartup on it, and connects a WireClient. */
async function scenario(opts: Partial<ReadStartupOptions> & { tls?: boolean } = {}): Promise<{ client: WireClient; outcome: Promise<StartupOutcome> }> {
  const { tls = true, ...rest } = opts;
  const { port, outcome } = await servers.acceptOne((socket) =>
    readStartup(socket, { ...(tls ? { upgradeToTls: tlsUpgrader(pki.server, ['postgresql']) } : {}), graceMs: 1_000, ...rest }),
  );
  return { client: servers.track(await WireClient.connect(port)), outcome };
}

async function negotiateTls(client: WireClient): Promise<void> {
  client.write(startup.sslRequest);
  expect((await client.read(1)).toString()).toBe('S');
  await client.startTls();
}

async function expectFatal(client: WireClient, code: string, message: RegExp): Promise<void> {
  const reply = await client.readMessage();
  expect(reply.type).toBe('E');
  const fields = errorFields(reply.body);
  expect(fields['S']).toBe('FATAL');
  expect(fields['C']).toBe(code);
  expect(fields['M']).toMatch(message);
  await client.closed();
}

describe('readStartup', () => {
  it('answers SSLRequest with S, upgrades, and returns the startup parameters', async () => {
    const { client, outcome } = await scenario();
    await negotiateTls(client);
    client.write(startup.startupMessage);
    const result = await outcome;
    expect(result).toMatchObject({ kind: 'startup', params: { user: 'u', database: 'd' }, tls: true });
  });

  it('keeps bytes the client sent right after its StartupMessage', async () => {
    const { client, outcome } = await scenario();
    await negotiateTls(client);
    const query = hex('51 0000000d 73656c6563742031 00');
    client.write(Buffer.concat([startup.startupMessage, query]));
    const result = await outcome;
    if (result.kind !== 'startup') throw new Error(`expected startup, got ${result.kind}`);
    // The socket comes back paused, so nothing is read before its new owner listens.
    const first: Buffer = await new Promise((resolve) => result.socket.once('data', resolve).resume());
    expect(first).toEqual(query);
  });

  it('refuses GSSENCRequest with N and carries on with SSLRequest', async () => {
    const { client, outcome } = await scenario();
    client.write(startup.gssEncRequest);
    expect((await client.read(1)).toString()).toBe('N');
    await negotiateTls(client);
    client.write(startup.startupMessage);
    expect(await outcome).toMatchObject({ kind: 'startup', tls: true });
  });

  it('accepts a client that starts TLS directly (sslnegotiation=direct)', async () => {
    const { port, outcome } = await servers.acceptOne((socket) => readStartup(socket, { upgradeToTls: tlsUpgrader(pki.server, ['postgresql']) }));
    const client = servers.track(await WireClient.connectDirectTls(port, { ALPNProtocols: ['postgresql'] }));
    client.write(startup.startupMessage);
    expect(await outcome).toMatchObject({ kind: 'startup', tls: true, params: { user: 'u' } });
  });

  it('returns a plain CancelRequest and closes the connection', async () => {
    const { client, outcome } = await scenario();
    client.write(startup.cancelRequest);
    expect(await outcome).toEqual({ kind: 'cancel', pid: 1234, key: 0xdeadbeef, tls: false });
    await client.closed();
  });

  it('returns a CancelRequest sent inside TLS', async () => {
    const { client, outcome } = await scenario();
    await negotiateTls(client);
    client.write(startup.cancelRequest);
    expect(await outcome).toEqual({ kind: 'cancel', pid: 1234, key: 0xdeadbeef, tls: true });
  });

  it('refuses a StartupMessage without TLS with a message saying what to do', async () => {
    const { client, outcome } = await scenario();
    client.write(startup.startupMessage);
    await expectFatal(client, SqlState.InvalidAuthorizationSpecification, /Postern requires TLS: connect with sslmode=verify-full/);
    expect(await outcome).toEqual({ kind: 'refused', reason: TLS_REQUIRED_MESSAGE });
  });

  it('accepts a plain StartupMessage when allowPlaintext is set', async () => {
    const { client, outcome } = await scenario({ allowPlaintext: true, tls: false });
    client.write(startup.sslRequest);
    expect((await client.read(1)).toString()).toBe('N'); // no upgradeToTls: like a server without SSL
    client.write(startup.startupMessage);
    expect(await outcome).toMatchObject({ kind: 'startup', tls: false });
  });

  it('refuses protocol 2 with 0A000', async () => {
    const { client, outcome } = await scenario();
    await negotiateTls(client);
    client.write(startup.protocol2);
    await expectFatal(client, SqlState.FeatureNotSupported, /unsupported frontend protocol 2\.0/);
    expect(await outcome).toMatchObject({ kind: 'refused' });
  });

  it('refuses garbage (an HTTP request) with 08P01', async () => {
    const { client, outcome } = await scenario();
    client.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await expectFatal(client, SqlState.ProtocolViolation, /startup packet declares .* over the limit of 10 KiB/);
    expect(await outcome).toMatchObject({ kind: 'refused' });
  });

  it('refuses unencrypted bytes sent before its S (CVE-2021-23214)', async () => {
    const { client, outcome } = await scenario();
    client.write(Buffer.concat([startup.sslRequest, startup.startupMessage]));
    await expectFatal(client, SqlState.ProtocolViolation, /received unencrypted data after SSL request/);
    expect(await outcome).toMatchObject({ kind: 'refused' });
  });

  it('refuses a second SSLRequest inside TLS', async () => {
    const { client } = await scenario();
    await negotiateTls(client);
    client.write(startup.sslRequest);
    await expectFatal(client, SqlState.ProtocolViolation, /already encrypted/);
  });

  it('refuses a StartupMessage without a user', async () => {
    const { client } = await scenario();
    await negotiateTls(client);
    // 4 + 4 + 11 ("database\0d\0") + 1 = 20
    client.write(hex('00000014 00030000 646174616261736500 6400 00'));
    await expectFatal(client, SqlState.InvalidAuthorizationSpecification, /no PostgreSQL user name/);
  });

  it('answers a newer minor version and _pq_ options with NegotiateProtocolVersion', async () => {
    const { client, outcome } = await scenario();
    await negotiateTls(client);
    // 3.2 with user=u and _pq_.x=1: 4 + 4 + 7 + 9 ("_pq_.x\0" "1\0") + 1 = 25
    client.write(hex('00000019 00030002 7573657200 7500 5f70715f2e7800 3100 00'));
    const result = await outcome;
    expect(result).toMatchObject({ kind: 'startup', params: { user: 'u' } });
    if (result.kind === 'startup') expect(Object.keys(result.params)).toEqual(['user']);
    const reply = await client.readMessage();
    expect(reply.type).toBe('v');
    // newest minor 0, one option, "_pq_.x"
    expect(reply.body).toEqual(hex('00000000 00000001 5f70715f2e7800'));
  });

  it('gives up on a client that says nothing', async () => {
    const { client, outcome } = await scenario({ timeoutMs: 200 });
    await expectFatal(client, SqlState.ConnectionFailure, /did not complete within/);
    expect(await outcome).toMatchObject({ kind: 'refused' });
  });

  it('returns refused when the client hangs up, and when the TLS handshake fails', async () => {
    const first = await scenario();
    first.client.destroy();
    expect(await first.outcome).toMatchObject({ kind: 'refused', reason: /closed the connection/ });

    const second = await scenario();
    second.client.write(startup.sslRequest);
    expect((await second.client.read(1)).toString()).toBe('S');
    second.client.write(Buffer.from('this is not a ClientHello'));
    expect(await second.outcome).toMatchObject({ kind: 'refused', reason: /TLS handshake failed/ });
  });
});

describe('sendError', () => {
  it('writes a FATAL ErrorResponse with hint and closes the connection', async () => {
    const port = await servers.listen((socket) => void sendError(socket, { code: '28000', message: 'go away', hint: 'ask nicely' }));
    const client = servers.track(await WireClient.connect(port));
    const reply = await client.readMessage();
    expect(reply.type).toBe('E');
    expect(errorFields(reply.body)).toEqual({ S: 'FATAL', V: 'FATAL', C: '28000', M: 'go away', H: 'ask nicely' });
    await client.closed();
  });
});
