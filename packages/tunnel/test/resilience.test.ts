import { EventEmitter, once } from 'node:events';
import type { Duplex } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { isTunnelError, TunnelServer } from '../src';
import type { AgentConnection, DialRequest } from '../src';
import { cleanupsAfterEach, demoHello, fixtures, quietLog, roundTrip, settle, startAgent, startProxy, startRelay, waitFor } from './helpers';
import type { Fixtures } from './helpers';

const demo: DialRequest = { database: 'demo', protocol: 'postgres', meta: {} };

let f: Fixtures;
const cleanups = cleanupsAfterEach();
beforeAll(async () => {
  f = await fixtures();
});

function record(tunnel: TunnelServer): string[] {
  const events: string[] = [];
  for (const e of ['agent-up', 'agent-down', 'agent-updated'] as const) tunnel.on(e, (a) => events.push(`${e} ${a.hostId}`));
  return events;
}

async function echoOnce(conn: AgentConnection, text: string): Promise<string> {
  return (await roundTrip(await conn.dial(demo), Buffer.from(text))).toString();
}

describe('reconnect', () => {
  it('reconnects by itself after the proxy dies and comes back on the same port', async () => {
    const first = await startProxy(f);
    let proxy = first;
    cleanups.push(() => proxy.kill());
    const events1 = record(first.tunnel);
    const agent = startAgent(first.port, f.agent, f, { backoff: { initialMs: 50, maxMs: 400 } });
    cleanups.push(() => agent.close());
    const agentEvents: string[] = [];
    agent.on('connected', () => agentEvents.push('connected'));
    agent.on('disconnected', () => agentEvents.push('disconnected'));

    const conn1 = await waitFor(() => first.tunnel.agentsFor('demo')[0], 'the agent to come up');
    expect(await echoOnce(conn1, 'one')).toBe('one');
    await first.kill();
    await waitFor(() => !agent.connected, 'the agent to notice');
    expect(events1).toEqual(['agent-up agent-1', 'agent-down agent-1']);

    // Down for a while: the agent keeps retrying (connection refused) with backoff.
    await new Promise((r) => setTimeout(r, 300));
    expect(agent.lastError).toMatch(/ECONNREFUSED/);

    proxy = await startProxy(f, { port: first.port });
    const events2 = record(proxy.tunnel);
    const conn2 = await waitFor(() => proxy.tunnel.agentsFor('demo')[0], 'the agent to come back', 5000);
    expect(await echoOnce(conn2, 'two')).toBe('two');
    expect(events2).toEqual(['agent-up agent-1']);
    expect(agentEvents).toEqual(['connected', 'disconnected', 'connected']);
    expect(agent.connected).toBe(true);
    expect(agent.lastError).toBeUndefined();
  });

  it('a newer tunnel from the same agent replaces the old one', async () => {
    // The proxy would take a minute to notice the old tunnel is dead; the agent, 300 ms.
    const proxy = await startProxy(f, { tunnel: { heartbeatMs: 60_000 } });
    cleanups.push(() => proxy.kill());
    const relay = await startRelay(proxy.port);
    cleanups.push(() => relay.close());
    const events = record(proxy.tunnel);
    const agent = startAgent(relay.port, f.agent, f, { heartbeatMs: 100 });
    cleanups.push(() => agent.close());
    const old = await waitFor(() => proxy.tunnel.agentsFor('demo')[0], 'the agent to come up');

    relay.freeze();
    const fresh = await waitFor(() => proxy.tunnel.agentsFor('demo').find((c) => c !== old), 'the new tunnel', 5000);
    expect(proxy.tunnel.agents()).toEqual([fresh]);
    expect(events).toEqual(['agent-up agent-1', 'agent-down agent-1', 'agent-up agent-1']);
    expect(await echoOnce(fresh, 'new')).toBe('new');
    const r = await settle(old.dial(demo));
    expect(r.ok ? '' : r.error.code).toBe('agent_gone');
  });

  it('a proxy shutting down tells its agents why', async () => {
    const proxy = await startProxy(f);
    cleanups.push(() => proxy.kill());
    const agent = startAgent(proxy.port, f.agent, f, { backoff: { initialMs: 5000, maxMs: 5000 } });
    cleanups.push(() => agent.close());
    const conn = await waitFor(() => proxy.tunnel.agentsFor('demo')[0], 'the agent to come up');
    const s = await conn.dial(demo);
    const errored = settle(once(s, 'error'));
    await proxy.tunnel.close();
    const r = await errored;
    expect(r.ok ? r.value[0].code : r.error).toBe('agent_gone');
    await waitFor(() => !agent.connected, 'the agent to notice');
    expect(agent.lastError).toContain('the proxy is shutting down');
    expect(proxy.tunnel.agents()).toEqual([]);
  });

  it('survives churn: tunnels cut again and again with streams in flight', async () => {
    // Short heartbeats: when a write fails with ECONNRESET, Node's HTTP/2 session can wait for
    // it forever without reporting anything, and only the heartbeat notices (see heartbeat.ts).
    const proxy = await startProxy(f, { tunnel: { heartbeatMs: 200 } });
    cleanups.push(() => proxy.kill());
    const relay = await startRelay(proxy.port);
    cleanups.push(() => relay.close());
    const agent = startAgent(relay.port, f.agent, f, { heartbeatMs: 200 });
    cleanups.push(() => agent.close());
    const chunk = Buffer.alloc(32 * 1024, 1);
    for (let round = 0; round < 15; round++) {
      const conn = await waitFor(() => proxy.tunnel.agentsFor('demo')[0], `the agent to come up (round ${round})`);
      const streams = await Promise.all([1, 2, 3].map(() => conn.dial(demo)));
      const outcomes = streams.map((s) => settle(once(s, 'error')));
      for (const s of streams) {
        s.resume();
        s.write(chunk);
      }
      // Cut at varying moments: before, during and after the echoes come back.
      await new Promise((r) => setTimeout(r, round % 3));
      relay.cut();
      for (const o of await Promise.all(outcomes)) expect(o.ok ? o.value[0].code : o.error).toBe('agent_gone');
      await waitFor(() => proxy.tunnel.agentsFor('demo')[0] !== conn, 'the old tunnel to go');
    }
  });
});

describe('refusals', () => {
  it('TLS refuses an agent whose certificate comes from another CA', async () => {
    const proxy = await startProxy(f);
    cleanups.push(() => proxy.kill());
    const events = record(proxy.tunnel);
    const agent = startAgent(proxy.port, f.foreignAgent, f);
    cleanups.push(() => agent.close());
    const err = await waitFor(() => agent.lastError, 'the agent to fail');
    // Node's TLS server drops an untrusted client certificate without an alert (TLS 1.3).
    expect(err).toMatch(/does not accept this agent's certificate|alert/);
    await new Promise((r) => setTimeout(r, 200));
    expect(agent.connected).toBe(false);
    expect(events).toEqual([]);
    expect(proxy.tunnel.agents()).toEqual([]);
  });

  it('the proxy drops an agent that verifyAgent refuses, and the agent learns why', async () => {
    const proxy = await startProxy(f);
    cleanups.push(() => proxy.kill());
    const events = record(proxy.tunnel);
    // Signed by the Host CA, so TLS lets it in, but it is a proxy's certificate.
    const agent = startAgent(proxy.port, f.agentWithProxyRole, f);
    cleanups.push(() => agent.close());
    const err = await waitFor(() => agent.lastError, 'the agent to be refused');
    expect(err).toContain("the agent's certificate was refused: this host certificate is for a proxy, not a agent");
    await new Promise((r) => setTimeout(r, 200));
    expect(agent.connected).toBe(false);
    expect(events).toEqual([]);
  });

  it('the agent refuses a "proxy" whose certificate is not a proxy certificate', async () => {
    const proxy = await startProxy(f, { cert: f.proxyWithAgentRole });
    cleanups.push(() => proxy.kill());
    const agent = startAgent(proxy.port, f.agent, f);
    cleanups.push(() => agent.close());
    const err = await waitFor(() => agent.lastError, 'the agent to refuse the proxy');
    expect(err).toContain("the proxy's certificate was refused: this host certificate is for a agent, not a proxy");
    expect(proxy.tunnel.agents()).toEqual([]);
  });

  it('the proxy drops an agent whose hello names another host', async () => {
    const proxy = await startProxy(f);
    cleanups.push(() => proxy.kill());
    const events = record(proxy.tunnel);
    const agent = startAgent(proxy.port, f.agent, f, { hello: () => demoHello('someone-else') });
    cleanups.push(() => agent.close());
    const err = await waitFor(() => agent.lastError, 'the agent to be dropped');
    expect(err).toContain('names host someone-else but its certificate is for agent-1');
    expect(events).toEqual([]);
  });

  it('the proxy drops a TLS connection that is not a tunnel', async () => {
    const tunnel = new TunnelServer({ log: quietLog(), verifyAgent: () => ({ hostId: 'x' }) });
    const { socket, destroyed } = fakeSocket('h2');
    tunnel.accept(socket);
    expect(destroyed()).toBe(true);
    await tunnel.close();
  });
});

describe('failures mid-stream', () => {
  it('a killed agent makes the proxy-side stream error instead of hanging', async () => {
    const proxy = await startProxy(f);
    cleanups.push(() => proxy.kill());
    const relay = await startRelay(proxy.port);
    cleanups.push(() => relay.close());
    let agentSide: Duplex | undefined;
    const agent = startAgent(relay.port, f.agent, f, { onStream: (s) => (agentSide = s) });
    cleanups.push(() => agent.close());
    const conn = await waitFor(() => proxy.tunnel.agentsFor('demo')[0], 'the agent to come up');
    const events = record(proxy.tunnel);
    const s = await conn.dial(demo);
    s.write('hello');
    const a = await waitFor(() => agentSide, 'the stream to reach the agent');
    const agentErrored = settle(once(a, 'error'));

    const errored = settle(once(s, 'error'));
    relay.cut(); // the network between them dies: TCP reset on both sides
    const r = await errored;
    expect(r.ok).toBe(true);
    const err = r.ok ? r.value[0] : undefined;
    expect(isTunnelError(err, 'agent_gone')).toBe(true);
    expect(s.destroyed).toBe(true);
    expect(events).toEqual(['agent-down agent-1']);
    expect(proxy.tunnel.agentsFor('demo')).toEqual([]);
    const again = await settle(conn.dial(demo));
    expect(again.ok ? '' : again.error.code).toBe('agent_gone');
    // The agent's handler learns too, with an error rather than a silent close.
    const ar = await agentErrored;
    const agentErr = ar.ok ? ar.value[0] : ar.error;
    expect(agentErr.code).toBe('proxy_gone');
  });

  it('an agent shutting down ends the proxy-side streams with agent_gone', async () => {
    const proxy = await startProxy(f);
    cleanups.push(() => proxy.kill());
    const agent = startAgent(proxy.port, f.agent, f, { onStream: () => {} });
    cleanups.push(() => agent.close());
    const conn = await waitFor(() => proxy.tunnel.agentsFor('demo')[0], 'the agent to come up');
    const s = await conn.dial(demo);
    const errored = settle(once(s, 'error'));
    await agent.close();
    const r = await errored;
    const err = r.ok ? r.value[0] : r.error;
    expect(isTunnelError(err, 'agent_gone')).toBe(true);
    expect(String(err.message)).toContain('the agent is shutting down');
  });
});

describe('heartbeat', () => {
  it('declares a frozen agent down within a few intervals, then takes it back when it reconnects', async () => {
    const proxy = await startProxy(f, { tunnel: { heartbeatMs: 100 } });
    cleanups.push(() => proxy.kill());
    const relay = await startRelay(proxy.port);
    cleanups.push(() => relay.close());
    // The agent's own heartbeat is slower, so it is the proxy's that must notice first.
    const agent = startAgent(relay.port, f.agent, f, { heartbeatMs: 400 });
    cleanups.push(() => agent.close());
    const conn = await waitFor(() => proxy.tunnel.agentsFor('demo')[0], 'the agent to come up');
    const events = record(proxy.tunnel);
    const s = await conn.dial(demo);
    const errored = settle(once(s, 'error'));

    const t0 = Date.now();
    relay.freeze(); // neither FIN nor RST: only heartbeats can tell
    await waitFor(() => events.includes('agent-down agent-1'), 'the proxy to declare the agent down', 6000);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(150);
    expect(took).toBeLessThan(5000);
    const r = await errored;
    const err = r.ok ? r.value[0] : r.error;
    expect(isTunnelError(err)).toBe(true);
    expect(err.code).toBe('heartbeat_timeout');
    expect(err.message).toMatch(/did not answer a heartbeat for \d+ ms/);

    // The agent noticed too, and its new connection (the relay forwards new ones) comes up.
    const back = await waitFor(() => proxy.tunnel.agentsFor('demo')[0], 'the agent to reconnect', 5000);
    expect(back).not.toBe(conn);
    expect(await echoOnce(back, 'alive')).toBe('alive');
  });

  it('does not drop a healthy idle tunnel', async () => {
    const proxy = await startProxy(f, { tunnel: { heartbeatMs: 50 } });
    cleanups.push(() => proxy.kill());
    const agent = startAgent(proxy.port, f.agent, f, { heartbeatMs: 50 });
    cleanups.push(() => agent.close());
    const conn = await waitFor(() => proxy.tunnel.agentsFor('demo')[0], 'the agent to come up');
    const events = record(proxy.tunnel);
    await new Promise((r) => setTimeout(r, 600));
    expect(events).toEqual([]);
    expect(proxy.tunnel.agentsFor('demo')).toEqual([conn]);
  });
});

/** Just enough of a TLSSocket to reach accept()'s ALPN check. */
function fakeSocket(alpn: string): { socket: any; destroyed: () => boolean } {
  let destroyed = false;
  const socket = Object.assign(new EventEmitter(), {
    alpnProtocol: alpn,
    remoteAddress: '127.0.0.1',
    closed: false,
    destroy() {
      destroyed = true;
      socket.closed = true;
      process.nextTick(() => socket.emit('close'));
    },
  });
  return { socket, destroyed: () => destroyed };
}
