import type { Duplex } from 'node:stream';
import type { AgentConnection, DialRequest, TunnelServer } from '@postern/tunnel';

export class NoAgentError extends Error {
  override name = 'NoAgentError';
}

/** Round-robin over the agents that serve a database; the next one if a dial fails. */
export class AgentRouter {
  private readonly next = new Map<string, number>();

  constructor(private readonly tunnels: TunnelServer) {}

  async dial(req: DialRequest): Promise<{ stream: Duplex; agent: AgentConnection }> {
    const agents = this.tunnels.agentsFor(req.database);
    if (agents.length === 0) throw new NoAgentError(`no agent is online for database "${req.database}"`);
    const start = this.next.get(req.database) ?? 0;
    this.next.set(req.database, start + 1);
    let lastError: unknown;
    for (let i = 0; i < agents.length; i++) {
      const agent = agents[(start + i) % agents.length]!;
      try {
        return { stream: await agent.dial(req), agent };
      } catch (err) {
        lastError = err;
      }
    }
    throw new NoAgentError(`every agent for database "${req.database}" failed to take the connection: ${(lastError as Error)?.message}`);
  }
}
