import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { AuditEventDraft } from '@postern/engine';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEngine, serialize, SqlState } from '../../src/index';
import { hex } from '@postern/testing/bytes';
import { allowingConfig, createTestPki, fakeSessionContext, LoopbackServers } from '@postern/testing';
import type { LogLine, TestPki } from '@postern/testing';
import { errorFields, WireClient } from '../helpers/wire-client';

// The engine against a scripted fake database, for what a real PostgreSQL never does:
// refuse TLS, inject bytes, go silent, or stop in the middle of a message.

let pki: TestPki;
const servers = new LoopbackServers();

beforeAll(async () => {
  pki = await createTestPki();
});
afterEach(() => servers.endTest());
afterAll(() => servers.close());

/** The fake database: a listener whose connections go to `onConnection`. */
function listen(onConnection: (socket: Socket) => void): Promise<number> {
  return servers.listen((socket) => {
    socket.on('error', () => {});
    onConnection(socket);
  });
}

/** Accepts the SSLRequest and the TLS handshake as a server would, then the startup packet. */
function acceptTls(raw: Socket, then: (tls: TLSSocket) => void): void {
  raw.once('data', () => {
    raw.write('S');
    const tls = new TLSSocket(raw, { isServer: true, cert: pki.server.certPem, key: pki.server.keyPem });
    tls.on('error', () => {});
    tls.once('data', () => then(tls));
  });
}

const READY = Buffer.concat([serialize.authenticationOk(), serialize.backendKeyData(7, 8), serialize.readyForQuery()]);

interface Run {
  client: WireClient;
  audits: AuditEventDraft[];
  logs: LogLine[];
  done: Promise<void>;
}

/** Serves one client connection with the engine, pointed at the fake database on dbPort. */
async function session(dbPort: number, opts: { connectTimeoutMs?: number } = {}): Promise<Run> {
  const audits: AuditEventDraft[] = [];
  const logs: LogLine[] = [];
  const engine = new PostgresEngine({ closeGraceMs: 500, ...opts });
  const database = { name: 'demo', protocol: 'postgres' as const, uri: `127.0.0.1:${dbPort}`, caPem: pki.ca.certPem, labels: {} };
  const ctx = fakeSessionContext({ sessionId: 's1', config: allowingConfig(database, pki), audits, logs, schemaErrors: [] });
  let done: Promise<void> | undefined;
  const port = await listen((socket) => {
    done = engine.handleConnection(socket, { user: 'alice' }, ctx);
  });
  const client = await WireClient.connect(port);
  while (!done) await new Promise((resolve) => setTimeout(resolve, 5));
  return { client, audits, logs, done };
}

async function expectFatal(run: Run, code: string, message: RegExp): Promise<void> {
  const reply = await run.client.readMessage();
  expect(reply.type).toBe('E');
  const fields = errorFields(reply.body);
  expect(fields['C']).toBe(code);
  expect(fields['M']).toMatch(message);
  await run.client.closed();
  await run.done;
  expect(run.audits).toEqual([{ event: 'db.session.start', success: false, error: expect.stringMatching(message) }]);
}

describe('PostgresEngine against a misbehaving database', () => {
  it('refuses a database that answers N to the SSL request', async () => {
    const port = await listen((raw) => raw.once('data', () => raw.write('N')));
    await expectFatal(await session(port), SqlState.UnableToEstablishConnection, /does not accept TLS connections: set ssl = on/);
  });

  it('refuses unencrypted bytes after S (CVE-2021-23222)', async () => {
    const port = await listen((raw) => raw.once('data', () => raw.write(Buffer.concat([Buffer.from('S'), READY]))));
    await expectFatal(await session(port), SqlState.ProtocolViolation, /sent unencrypted data after accepting the SSL request/);
  });

  it('gives up on a database that never answers the SSL request', async () => {
    const port = await listen(() => {});
    await expectFatal(await session(port, { connectTimeoutMs: 300 }), SqlState.UnableToEstablishConnection, /did not answer the SSL request/);
  });

  it('gives up on a database that goes silent after TLS', async () => {
    const port = await listen((raw) => acceptTls(raw, () => {}));
    await expectFatal(await session(port, { connectTimeoutMs: 1_000 }), SqlState.UnableToEstablishConnection, /did not complete the connection startup in time/);
  });

  it("forwards a database's ErrorResponse after AuthenticationOk unchanged", async () => {
    const refusal = serialize.errorResponse({ severity: 'FATAL', code: '53300', message: 'sorry, too many clients already' });
    const port = await listen((raw) => acceptTls(raw, (tls) => tls.write(Buffer.concat([serialize.authenticationOk(), refusal]))));
    const run = await session(port);
    expect((await run.client.readMessage()).type).toBe('R');
    const reply = await run.client.readMessage();
    expect(reply.type).toBe('E');
    expect(reply.body).toEqual(refusal.subarray(5));
    await run.client.closed();
    await run.done;
    expect(run.audits).toEqual([{ event: 'db.session.start', success: false, error: 'sorry, too many clients already' }]);
  });

  it('forwards server bytes that came with the first ReadyForQuery', async () => {
    const notice = hex('4e 0000000f 53 4e4f5449434500 4d 6800 00'); // NoticeResponse S=NOTICE M=h
    const port = await listen((raw) => acceptTls(raw, (tls) => tls.write(Buffer.concat([READY, notice]))));
    const run = await session(port);
    const messages = await run.client.readUntil('N');
    expect(messages.map((m) => m.type)).toEqual(['R', 'K', 'Z', 'N']);
    run.client.destroy();
    await run.done;
  });

  it('does not inject its error into the middle of a server message', async () => {
    // After the client's query the server sends half a DataRow and waits.
    const port = await listen((raw) =>
      acceptTls(raw, (tls) => {
        tls.write(READY);
        tls.once('data', () => tls.write(hex('44 0000000b 00')));
      }),
    );
    const run = await session(port);
    await run.client.readUntil('Z');
    run.client.write(serialize.query('select 1'));
    expect(await run.client.read(6)).toEqual(hex('44 0000000b 00'));
    run.client.write(hex('51 7fffffff'));
    await run.client.closed();
    // Nothing after the half message: an 'E' there would be read as the DataRow's contents.
    await expect(run.client.read(1, 100)).rejects.toThrow(/ended/);
    await run.done;
    expect(run.audits.map((a) => a.event)).toEqual(['db.session.start', 'db.session.query', 'db.session.end']);
  });

  it('does inject it between two server messages', async () => {
    const port = await listen((raw) =>
      acceptTls(raw, (tls) => {
        tls.write(READY);
        tls.once('data', () => tls.write(serialize.readyForQuery()));
      }),
    );
    const run = await session(port);
    await run.client.readUntil('Z');
    run.client.write(serialize.query('select 1'));
    await run.client.readUntil('Z');
    run.client.write(hex('51 7fffffff'));
    const reply = await run.client.readMessage();
    expect(errorFields(reply.body)['C']).toBe(SqlState.ProtocolViolation);
    await run.client.closed();
    await run.done;
  });
});
