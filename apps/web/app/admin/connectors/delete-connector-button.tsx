'use client';

import { ConfirmDeleteButton } from '../../../components/confirm-delete-button';

/** Removes a stored connector after a second click; its users keep their accounts but cannot sign in through it. */
export function DeleteConnectorButton({ name }: { name: string }) {
  return (
    <ConfirmDeleteButton
      url={`/api/v1/admin/connectors/${encodeURIComponent(name)}`}
      name={name}
      verb="Remove"
      after="/admin/connectors"
      testIds={{ open: `connector-delete-${name}`, confirm: 'connector-delete-confirm' }}
    />
  );
}
