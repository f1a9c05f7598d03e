/**
 * What a proxy tells an agent whose host id an admin revoked (removed it from the cluster),
 * when it refuses the agent's tunnel or closes the one it holds. It lives here, next to the
 * protocol both sides speak, so the agent can recognise it and ask the Auth Service (the
 * authority on removal) right away instead of at its next heartbeat.
 */
export const REVOKED_AGENT_REASON =
  'this agent was removed from the cluster and its host id revoked: join it again with a new token (postern admin tokens add --type agent)';

/** Whether a tunnel failure, as the agent's 'failed' event reports it, is that refusal. */
export function isRevokedAgentReason(reason: string): boolean {
  return reason.includes(REVOKED_AGENT_REASON);
}
