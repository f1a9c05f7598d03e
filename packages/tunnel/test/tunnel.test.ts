import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { STREAM_WINDOW_BYTES, isTunnelError } from '../src';
import type { AgentConnection, DialRequest, TunnelAgent } from '../src';
import { cleanupsAfterEach, demoHello, echo, fixtures, roundTrip, settle, startAgent, startProxy, waitFor } from './helpers';
import type { Fixtures, TestProxy } from './helpers';

const MiB = 1024 * 1024;
const pg = (database: string, meta: Record<string, unknown> = {}): DialRequest => ({ database, protocol: 'postgres', meta });

let f: Fixtures;
const cleanups = cleanupsAfterEach();
beforeAll(async () => {
  f = await fixtures();
});

async function setup(agentOpts: Parameters<typeof startAgent>[3] = {}): Promise<{ proxy: TestProxy; agent: TunnelAgent; conn: AgentConnection }> {
  const proxy = await startProxy(f);
  cleanups.push(() => proxy.kill());
  const agent = startAgent(proxy.port, f.agent, f, agentOpts);
  cleanups.push(() => agent.close());
  const conn = await waitFor(() => proxy.tunnel.agentsFor('demo')[0], 'the agent to come up');
  return { proxy, agent, conn };
}

describe('tunnel', () => {
  it('carries the hello and echoes 100 concurrent streams intact', async () => {
    const seen: DialRequest[] = [];
    const { proxy, agent, conn } = await setup({
      onStream: (s, req) => {
        seen.push(req);
        echo(s);
      },
    });
    expect(agent.connected).toBe(true);
    expect(conn.hostId).toBe('agent-1');
    expect(conn.hello).toEqual(demoHello());
    expect(conn.connectedAt).toBeInstanceOf(Date);
    expect(proxy.tunnel.agents().map((a) => a.hostId)).toEqual(['agent-1']);
    expect(proxy.tunnel.agentsFor('shop')).toHaveLength(1);
    expect(proxy.tunnel.agentsFor('nope')).toEqual([]);

    // ~4 MB in all, every payload different, so a mixed-up or truncated stream shows.
    const payloads = Array.from({ length: 100 }, (_, i) => randomBytes(20_000 + i * 400));
    const streams = await Promise.all(payloads.map((_, i) => conn.dial(pg('demo', { i, cert: 'QUJD' }))));
    expect(conn.openStreams).toBe(100);
    const echoed = await Promise.all(streams.map((s, i) => roundTrip(s, payloads[i]!)));
    echoed.forEach((got, i) => expect(got.equals(payloads[i]!), `stream ${i}`).toBe(true));
    expect(seen).toHaveLength(100);
    expect(seen.map((r) => r.meta.i).sort((a, b) => Number(a) - Number(b))).toEqual(payloads.map((_, i) => i));
    expect(seen[0]?.meta.cert).toBe('QUJD');
    await waitFor(() => conn.openStreams === 0, 'streams to be released');
  });

  it('keeps other streams moving while one consumer stalls, and bounds what the stalled one buffers', async () => {
    const TOTAL = 50 * MiB;
    const firehose = { accepted: 0, stream: undefined as Duplex | undefined };
    const { conn } = await setup({
      onStream: (s, req) => {
        if (req.database !== 'firehose') return echo(s);
        firehose.stream = s;
        const chunk = Buffer.alloc(64 * 1024, 0x2a);
        // A well-behaved writer: it stops when write() says so and waits for 'drain'.
        const pump = (): void => {
          while (firehose.accepted < TOTAL) {
            firehose.accepted += chunk.length;
            if (!s.write(chunk)) {
              s.once('drain', pump);
              return;
            }
          }
          s.end();
        };
        pump();
      },
    });

    const stalled = await conn.dial(pg('firehose')); // never read until the end: paused
    // Wait until the writer has been blocked for a while.
    let last = -1;
    let sameSince = Date.now();
    await waitFor(() => {
      if (firehose.accepted !== last) {
        last = firehose.accepted;
        sameSince = Date.now();
      }
      return Date.now() - sameSince > 300;
    }, 'the firehose to be backpressured');

    const t0 = Date.now();
    const payload = randomBytes(256 * 1024);
    const other = await conn.dial(pg('demo'));
    expect((await roundTrip(other, payload)).equals(payload)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5000);

    // What the agent could push is about one stream window plus a few stream buffers, not 50 MB.
    expect(firehose.accepted).toBeGreaterThanOrEqual(STREAM_WINDOW_BYTES / 2);
    expect(firehose.accepted).toBeLessThan(4 * MiB);
    expect(firehose.stream!.writableLength).toBeLessThanOrEqual(256 * 1024);
    // The proxy side holds at most the stream window for it.
    expect(stalled.readableLength).toBeLessThanOrEqual(STREAM_WINDOW_BYTES + 64 * 1024);

    // Once the consumer reads, everything arrives.
    let received = 0;
    stalled.on('data', (c: Buffer) => (received += c.length));
    await once(stalled, 'end');
    expect(received).toBe(TOTAL);
  });

  it('propagates half-close in both directions', async () => {
    let agentSide: Duplex | undefined;
    const { conn } = await setup({ onStream: (s) => (agentSide = s) });
    const s = await conn.dial(pg('demo'));
    s.end('bye');
    const a = await waitFor(() => agentSide, 'the agent to get the stream');
    const chunks: Buffer[] = [];
    a.on('data', (c: Buffer) => chunks.push(c));
    await once(a, 'end');
    expect(Buffer.concat(chunks).toString()).toBe('bye');
    // The agent can still answer after the client half-closed.
    a.end('ok');
    const got: Buffer[] = [];
    s.on('data', (c: Buffer) => got.push(c));
    await once(s, 'end');
    expect(Buffer.concat(got).toString()).toBe('ok');
  });

  it('destroying one side with an error errors the other side', async () => {
    let agentSide: Duplex | undefined;
    const { conn } = await setup({ onStream: (s) => (agentSide = s) });
    const s = await conn.dial(pg('demo'));
    s.write('x');
    const a = await waitFor(() => agentSide, 'the agent to get the stream');
    const errored = settle(once(s, 'error'));
    a.destroy(new Error('database went away'));
    const r = await errored;
    expect(r.ok).toBe(true);
    expect(String(r.ok && r.value[0])).toMatch(/INTERNAL_ERROR/);
    await waitFor(() => conn.openStreams === 0, 'the stream to be released');
  });

  it('refuses dials for databases the agent does not serve, with a message', async () => {
    const { conn } = await setup();
    const r = await settle(conn.dial(pg('nope')));
    expect(r.ok).toBe(false);
    expect(isTunnelError(r.ok ? undefined : r.error, 'dial_failed')).toBe(true);
    expect(r.ok ? '' : r.error.message).toContain('agent one does not serve database "nope"');

    const wrongProto = await settle(conn.dial({ database: 'shop', protocol: 'postgres', meta: {} }));
    expect(wrongProto.ok ? '' : wrongProto.error.message).toContain('database "shop" speaks mysql, not postgres');
    await waitFor(() => conn.openStreams === 0, 'the refused streams to be released');
    // The tunnel itself is fine after a refusal.
    const s = await conn.dial(pg('demo'));
    expect((await roundTrip(s, Buffer.from('still here'))).toString()).toBe('still here');
  });

  it('passes on a handler that refuses by throwing', async () => {
    const { conn } = await setup({
      onStream: (s, req) => {
        if (req.meta.user !== 'alice') throw new Error(`user ${String(req.meta.user)} may not use demo`);
        echo(s);
      },
    });
    const r = await settle(conn.dial(pg('demo', { user: 'mallory' })));
    expect(r.ok ? '' : r.error.code).toBe('dial_failed');
    expect(r.ok ? '' : r.error.message).toContain('user mallory may not use demo');
    const ok = await conn.dial(pg('demo', { user: 'alice' }));
    expect((await roundTrip(ok, Buffer.from('hi'))).toString()).toBe('hi');
  });

  it('times out a dial the agent never answers', async () => {
    const proxy = await startProxy(f, { tunnel: { dialTimeoutMs: 300 } });
    cleanups.push(() => proxy.kill());
    const agent = startAgent(proxy.port, f.agent, f, {
      onStream: (s) => {
        // An answer that never leaves the agent is what a hung agent looks like to the proxy.
        (s as unknown as { respond: () => void }).respond = () => {};
      },
    });
    cleanups.push(() => agent.close());
    const conn = await waitFor(() => proxy.tunnel.agentsFor('demo')[0], 'the agent to come up');
    const t0 = Date.now();
    const r = await settle(conn.dial(pg('demo')));
    expect(r.ok ? '' : r.error.code).toBe('dial_failed');
    expect(r.ok ? '' : r.error.message).toContain('did not answer within 300 ms');
    expect(Date.now() - t0).toBeLessThan(5000);
    await waitFor(() => conn.openStreams === 0, 'the stream to be released');
  });

  it('sends announce() updates to the proxy', async () => {
    let dbs = ['demo'];
    const { proxy, agent } = await setup({
      hello: () => ({ ...demoHello(), databases: dbs.map((name) => ({ name, protocol: 'postgres' as const, labels: {} })) }),
    });
    const events: string[] = [];
    proxy.tunnel.on('agent-updated', (a) => events.push(a.hello.databases.map((d) => d.name).join(',')));
    dbs = ['demo', 'reports'];
    agent.announce();
    await waitFor(() => proxy.tunnel.agentsFor('reports').length === 1, 'the update to arrive');
    expect(events).toEqual(['demo,reports']);
    dbs = ['reports'];
    agent.announce();
    await waitFor(() => proxy.tunnel.agentsFor('demo').length === 0, 'demo to be gone');
    expect(proxy.tunnel.agentsFor('reports')).toHaveLength(1);
  });
});
