'use client';

import { ConfirmDeleteButton } from '../../../components/confirm-delete-button';

/** Removes an offline agent and the databases it registered, after a second click. */
export function DeleteAgentButton({ id, name }: { id: string; name: string }) {
  return (
    <ConfirmDeleteButton
      url={`/api/v1/admin/agents/${encodeURIComponent(id)}`}
      name={`agent ${name}`}
      verb="Remove"
      testIds={{ open: `agent-remove-${name}`, confirm: 'agent-remove-confirm', error: 'agent-remove-error' }}
    />
  );
}
