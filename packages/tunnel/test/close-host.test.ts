import { beforeAll, describe, expect, it } from 'vitest';
import { isTunnelError } from '../src';
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
  });
});
