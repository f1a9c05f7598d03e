import net from 'node:net';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GOODBYE_GRACE_MS, splice } from '../src/splice';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** Two ends of one loopback TCP connection (half-open allowed): what one writes, the other reads. */
async function socketPair(): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const a = net.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
  const b = await accepted;
  server.close();
  for (const s of [a, b]) s.on('error', () => {});
  cleanups.push(() => (a.destroy(), b.destroy()));
  return [a, b];
}

function readAll(s: net.Socket): Promise<Buffer> {
  const parts: Buffer[] = [];
  s.on('data', (d: Buffer) => parts.push(d));
  return new Promise((r) => s.once('end', () => r(Buffer.concat(parts))));
}

describe('splice', () => {
  it('copies both ways, passes half-closes on, and resolves when both directions are done', async () => {
    const [user, client] = await socketPair();
    const [upstream, agent] = await socketPair();
    const seen: Buffer[] = [];
    const done = splice(client, upstream, (chunk) => {
      seen.push(chunk);
      return seen.length < 2;
    });
    const atAgent = readAll(agent);
    const atUser = readAll(user);
    user.write('hello ');
    user.end('agent');
    expect((await atAgent).toString()).toBe('hello agent');
    const big = Buffer.alloc(4 * 1024 * 1024, 7);
    agent.write('a');
    await new Promise((r) => setTimeout(r, 20));
    agent.write('b');
    await new Promise((r) => setTimeout(r, 20));
    agent.end(big);
    const got = await atUser;
    expect(got.length).toBe(2 + big.length);
    expect(got.subarray(0, 2).toString()).toBe('ab');
    // The observer saw chunks until it said it had seen enough.
    expect(seen.map((c) => c.toString())).toEqual(['a', 'b']);
    await done;
  });

  it('destroys both sides when one is reset', async () => {
    const [user, client] = await socketPair();
    const [upstream, agent] = await socketPair();
    const done = splice(client, upstream);
    user.write('x');
    await new Promise((r) => agent.once('data', r));
    agent.resetAndDestroy();
    await done;
    expect(client.destroyed).toBe(true);
    expect(upstream.destroyed).toBe(true);
    // The user's side learns it too (end or reset, depending on the timing).
    await new Promise((r) => {
      user.once('end', r);
      user.once('close', r);
      user.resume();
    });
  });

  it('does not end a side again once it has ended (a client socket ends itself when its client hangs up)', async () => {
    // Streams that stay open after ending, as a TLS socket does until its close completes.
    const side = () => new Duplex({ autoDestroy: false, read() {}, write: (_c, _e, cb) => cb() });
    const client = side();
    const upstream = side();
    const late: boolean[] = [];
    const end = client.end.bind(client);
    client.end = ((...args: Parameters<Duplex['end']>) => {
      late.push(client.writableEnded);
      return end(...args);
    }) as Duplex['end'];
    const done = splice(client, upstream);
    // The client hangs up, and its socket ends its own side (no half-open)…
    client.push(null);
    client.end();
    await new Promise((r) => setImmediate(r));
    expect(upstream.writableEnded).toBe(true);
    // …before the agent's end arrives: nothing is left to end.
    upstream.push(null);
    await done;
    expect(late).toEqual([false]);
  });

  /**
   * A stand-in for a tunnel stream that records whether it was destroyed: destroying an
   * HTTP/2 stream that is not closed yet resets it. Like Http2Stream it does not destroy
   * itself once both sides have ended.
   */
  function tunnelStream(): { stream: Duplex; written: Buffer[]; destroyed: () => boolean } {
    const written: Buffer[] = [];
    let destroyedByUs = false;
    const stream = new Duplex({
      autoDestroy: false,
      read() {},
      write: (c: Buffer, _e, cb) => (written.push(c), cb()),
      destroy: (err, cb) => ((destroyedByUs = true), cb(err)),
    });
    return { stream, written, destroyed: () => destroyedByUs };
  }

  /** psql's way out: Terminate, then close; the client socket closes before the agent answers. */
  async function clientSaysGoodbyeFirst(): Promise<{ client: net.Socket; up: ReturnType<typeof tunnelStream> }> {
    const [user, client] = await socketPair();
    client.allowHalfOpen = false;
    const up = tunnelStream();
    const done = splice(client, up.stream);
    user.end('X');
    await done;
    return { client, up };
  }

  it('drains, not resets, the tunnel stream of a client that said goodbye and closed first', async () => {
    const { client, up } = await clientSaysGoodbyeFirst();
    expect(client.destroyed).toBe(true);
    expect(up.stream.writableEnded).toBe(true);
    expect(Buffer.concat(up.written).toString()).toBe('X');
    expect(up.destroyed()).toBe(false);
    // What the agent still sends is read and dropped, and its end finishes the stream.
    up.stream.push(Buffer.alloc(1024 * 1024));
    up.stream.push(null);
    await new Promise((r) => up.stream.once('end', r));
    expect(up.destroyed()).toBe(false);
  });

  it('resets a drained stream whose agent does not end it within the grace', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { up } = await clientSaysGoodbyeFirst();
      vi.advanceTimersByTime(GOODBYE_GRACE_MS - 1);
      expect(up.destroyed()).toBe(false);
      vi.advanceTimersByTime(1);
      expect(up.destroyed()).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('ends, not resets, the tunnel stream when the client vanishes after the agent ended', async () => {
    const [user, client] = await socketPair();
    const up = tunnelStream();
    const done = splice(client, up.stream);
    up.stream.push(null);
    await new Promise((r) => user.once('end', r));
    user.resetAndDestroy();
    await done;
    expect(up.stream.writableEnded).toBe(true);
    expect(up.destroyed()).toBe(false);
  });

  it('resets the tunnel stream when the client vanishes while the agent is still sending', async () => {
    const [user, client] = await socketPair();
    const up = tunnelStream();
    const done = splice(client, up.stream);
    up.stream.push('row');
    await new Promise((r) => user.once('data', r));
    user.resetAndDestroy();
    await done;
    expect(up.destroyed()).toBe(true);
  });

  it('pauses a fast source while its destination cannot keep up', async () => {
    const [user, client] = await socketPair();
    const [upstream, agent] = await socketPair();
    void splice(client, upstream);
    agent.pause();
    const chunk = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 64; i++) user.write(chunk);
    await new Promise((r) => setTimeout(r, 300));
    // Bounded by socket buffers and one high-water mark, not the 64 MiB written.
    expect(upstream.writableLength).toBeLessThan(8 * 1024 * 1024);
    expect(client.isPaused()).toBe(true);
    let got = 0;
    agent.on('data', (d: Buffer) => (got += d.length));
    agent.resume();
    await new Promise<void>((r) => {
      const t = setInterval(() => {
        if (got === 64 * chunk.length) {
          clearInterval(t);
          r();
        }
      }, 20);
    });
  });
});
