import { beforeAll, describe, expect, it } from 'vitest';
import { isRevokedAgentReason, isTunnelError, REVOKED_AGENT_REASON } from '../src';
import { cleanupsAfterEach, fixtures, settle, startAgent, startProxy, waitFor } from './helpers';
import type { Fixtures } from './helpers';

// closeHost() is how a proxy drops an agent the cluster no longer trusts (an admin removed
// it): its tunnel ends, the streams it carried fail, and the agent reads why.

let f: Fixtures;
const cleanups = cleanupsAfterEach();
beforeAll(async () => {
  f = await fixtures();
});

describe('TunnelServer.closeHost', () => {
  it("closes the host's tunnel with its reason and fails the streams it carried; other hosts keep theirs", async () => {
    const proxy = await startProxy(f);
    cleanups.push(() => proxy.kill());
    // Stream handler that never answers: the open stream must fail when the tunnel goes.
    const agent = startAgent(proxy.port, f.agent, f, { onStream: () => undefined });
    cleanups.push(() => agent.close());
    const failures: { reason: string; wasConnected: boolean }[] = [];
    agent.on('failed', (reason, wasConnected) => failures.push({ reason, wasConnected }));
    const conn = await waitFor(() => proxy.tunnel.agentsFor('demo')[0], 'the agent to come up');
    const stream = await conn.dial({ database: 'demo', protocol: 'postgres', meta: {} });
    const ended = new Promise<Error | undefined>((resolve) => {
      stream.once('error', (err) => resolve(err));
      stream.once('close', () => resolve(undefined));
    });

    expect(proxy.tunnel.closeHost('someone-else', 'not this one')).toBe(0);
    expect(proxy.tunnel.agents()).toHaveLength(1);

    expect(proxy.tunnel.closeHost('agent-1', 'this agent was removed from the cluster')).toBe(1);
    expect(proxy.tunnel.agentsFor('demo')).toEqual([]);
    await ended;
    expect(stream.destroyed).toBe(true);
    const dial = await settle(conn.dial({ database: 'demo', protocol: 'postgres', meta: {} }));
    expect(dial.ok).toBe(false);
    expect(isTunnelError(dial.ok ? undefined : dial.error)).toBe(true);
    const why = await waitFor(() => agent.lastError, 'the agent to read why');
    expect(why).toContain('this agent was removed from the cluster');
    // The agent's owner hears it too, with the proxy's reason, to act on it.
    expect(failures[0]).toEqual({ reason: why, wasConnected: true });
  });

  it("tells the agent's owner the proxy's reason on every refused attempt, so a removed agent can recognise it", async () => {
    const proxy = await startProxy(f, {
      tunnel: {
        verifyAgent: () => {
          throw new Error(REVOKED_AGENT_REASON);
        },
      },
    });
    cleanups.push(() => proxy.kill());
    const agent = startAgent(proxy.port, f.agent, f);
    cleanups.push(() => agent.close());
    const failures: { reason: string; wasConnected: boolean }[] = [];
    agent.on('failed', (reason, wasConnected) => failures.push({ reason, wasConnected }));
    // The same reason again and again: logged once, but reported every time.
    await waitFor(() => failures.length >= 3, 'three refused attempts');
    for (const failure of failures) {
      expect(failure.wasConnected).toBe(false);
      expect(isRevokedAgentReason(failure.reason)).toBe(true);
    }
    expect(agent.connected).toBe(false);
    expect(isRevokedAgentReason('the proxy at 127.0.0.1:1 closed the tunnel: the proxy is shutting down')).toBe(false);
  });
});
