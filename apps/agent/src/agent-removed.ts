/**
 * An admin removed this agent from the cluster: its host id is revoked, so nothing it does
 * under this identity will work again and retrying is pointless. The message is the Auth
 * Service's, for the person who runs the agent: who removed it, when, and how to join again.
 */
export class AgentRemovedError extends Error {
  override name = 'AgentRemovedError';
  constructor(
    message: string,
    readonly hostId: string,
  ) {
    super(message);
  }
}
