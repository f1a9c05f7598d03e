'use client';

import { ConfirmDeleteButton } from '../../../components/confirm-delete-button';

/**
 * Removes an agent and the databases it registered, and revokes its host id, after a second
 * click. An online one is removed with force, and the question says what that does: it is
 * how a compromised host that still runs is locked out, and a mistake cuts live sessions.
 */
export function DeleteAgentButton({ id, name, online }: { id: string; name: string; online: boolean }) {
  const url = `/api/v1/admin/agents/${encodeURIComponent(id)}`;
  return (
    <ConfirmDeleteButton
      url={online ? `${url}?force=true` : url}
      name={`agent ${name}`}
      verb="Remove"
      question={
        online
          ? `Agent ${name} is online: removing it closes its tunnels and sessions now and locks its host out until it joins again with a new token. Remove it?`
          : `Remove agent ${name}? Its host is locked out until it joins again with a new token.`
      }
      testIds={{ open: `agent-remove-${name}`, confirm: 'agent-remove-confirm', error: 'agent-remove-error' }}
    />
  );
}
