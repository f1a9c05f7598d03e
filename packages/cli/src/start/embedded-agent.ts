import type { AgentOptions, AgentRemovedError, RunningAgent } from '@postern/agent/server';
import type { LoadedConfig } from '@postern/config';
import { createLogger } from '@postern/log';
import type { Part } from './part';

/**
 * Starts the agent of web + proxy + agent in one process. When an admin removes it, it stops
 * itself, and only it: web and proxy go on serving everyone else, and the next start gives the
 * agent a new host id. Returns undefined when it was removed before it ran (a removal racing
 * the start), after saying so; the caller's other parts start regardless.
 */
export async function startEmbeddedAgent(loaded: LoadedConfig, opts: AgentOptions, parts: Part[]): Promise<RunningAgent | undefined> {
  const log = createLogger('start');
  const server = await import('@postern/agent/server');
  const stoppedAlone = (err: AgentRemovedError) =>
    log.error({ err: err.message, host_id: err.hostId }, 'the agent of this process was removed from the cluster and has stopped; web and proxy keep running');
  let agent: RunningAgent;
  try {
    agent = await server.startAgent(loaded, opts);
  } catch (err) {
    if (!(err instanceof server.AgentRemovedError)) throw err;
    stoppedAlone(err);
    return undefined;
  }
  const part: Part = { name: 'agent', close: () => agent.close() };
  parts.push(part);
  void agent.removed.then((err) => {
    stoppedAlone(err);
    // Stopped already: a later shutdown has nothing of it to close.
    const i = parts.indexOf(part);
    if (i >= 0) parts.splice(i, 1);
  });
  return agent;
}
