import { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { completeServerStartup } from '../../src/engine/server-startup';
import { SessionFailure } from '../../src/engine/failure';
import { serialize } from '../../src/protocol/serializer';

/** A database's side: what the agent writes is kept; `send` makes the server say something. */
class FakeServer extends Duplex {
  readonly received: Buffer[] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.received.push(chunk);
    cb();
  }
  send(...chunks: Buffer[]): void {
    for (const chunk of chunks) this.push(chunk);
  }
}

/** The client's side (the tunnel stream): each write is kept as it was made. */
class RecordingClient extends Duplex {
  readonly writes: Buffer[] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.writes.push(Buffer.from(chunk));
    cb();
  }
}

const auth = serialize.authenticationOk();
const params = [serialize.parameterStatus('server_version', '15.0'), serialize.parameterStatus('client_encoding', 'UTF8'), serialize.parameterStatus('TimeZone', 'UTC')];
const key = serialize.backendKeyData(42, 7);
const ready = serialize.readyForQuery('I');

function start(server: FakeServer, client: RecordingClient, events: string[] = []) {
  return completeServerStartup(server as unknown as TLSSocket, client, { user: 'alice', database: 'app' }, {
    service: 'demo',
    deadline: Date.now() + 5_000,
    onBackendKey: (pid, k) => void events.push(`key ${pid} ${k}`),
    onReady: () => events.push(`ready after ${client.writes.length} writes`),
  });
}

describe('completeServerStartup', () => {
  it('passes the server’s startup messages on in one write per chunk received, unchanged and in order', async () => {
    const server = new FakeServer();
    const client = new RecordingClient();
    const events: string[] = [];
    const done = start(server, client, events);
    server.send(Buffer.concat([auth, ...params, key, ready]));
    const { leftover } = await done;
    expect(client.writes).toEqual([Buffer.concat([auth, ...params, key, ready])]);
    expect(leftover).toHaveLength(0);
    // The session is audited (onReady) before the client hears of it.
    expect(events).toEqual(['key 42 7', 'ready after 0 writes']);
  });

  it('writes what it has before waiting for more, and keeps what follows ReadyForQuery for the relay', async () => {
    const server = new FakeServer();
    const client = new RecordingClient();
    const done = start(server, client);
    const notice = serialize.parameterStatus('application_name', 'psql');
    server.send(Buffer.concat([auth, params[0]!, params[1]!.subarray(0, 3)]));
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.writes).toEqual([Buffer.concat([auth, params[0]!])]);
    server.send(Buffer.concat([params[1]!.subarray(3), params[2]!, key, ready, notice]));
    const { leftover } = await done;
    expect(client.writes).toEqual([Buffer.concat([auth, params[0]!]), Buffer.concat([params[1]!, params[2]!, key, ready])]);
    expect(leftover).toEqual(notice);
  });

  it('on an error, passes on what came before it first, and the error as the database worded it', async () => {
    const server = new FakeServer();
    const client = new RecordingClient();
    const done = start(server, client);
    const error = serialize.errorResponse({ severity: 'FATAL', code: '53300', message: 'sorry, too many clients already' });
    server.send(Buffer.concat([auth, params[0]!, error]));
    const failure = await done.catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(SessionFailure);
    expect((failure as SessionFailure).extra.databaseReply).toEqual(error);
    expect(client.writes).toEqual([Buffer.concat([auth, params[0]!])]);
  });

  it('does not tell the client the session is ready when it cannot be audited', async () => {
    const server = new FakeServer();
    const client = new RecordingClient();
    const done = completeServerStartup(server as unknown as TLSSocket, client, { user: 'alice' }, {
      service: 'demo',
      deadline: Date.now() + 5_000,
      onBackendKey: () => {},
      onReady: () => {
        throw new Error('audit unavailable');
      },
    });
    server.send(Buffer.concat([auth, ...params, key, ready]));
    await expect(done).rejects.toThrow('audit unavailable');
    expect(Buffer.concat(client.writes)).toEqual(Buffer.concat([auth, ...params, key]));
  });
});
