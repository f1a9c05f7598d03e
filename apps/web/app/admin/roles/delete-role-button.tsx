'use client';

import { ConfirmDeleteButton } from '../../../components/confirm-delete-button';

/** Deletes a custom role after a second click; the server refuses while users still have it. */
export function DeleteRoleButton({ name, after }: { name: string; after?: string }) {
  return (
    <ConfirmDeleteButton
      url={`/api/v1/admin/roles/${encodeURIComponent(name)}`}
      name={name}
      verb="Delete"
      {...(after ? { after } : {})}
      testIds={{ open: 'role-delete', confirm: 'role-delete-confirm', error: 'role-delete-error' }}
    />
  );
}
