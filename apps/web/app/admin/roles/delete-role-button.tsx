'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { api } from '../../../lib/client/api';
import { dangerButton, smallButton } from '../../../lib/class-names';

/** Deletes a custom role after a second click; the server refuses while users still have it. */
export function DeleteRoleButton({ name, after }: { name: string; after?: string }) {
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function remove() {
    setBusy(true);
    setError(null);
    try {
      await api(`/api/v1/admin/roles/${encodeURIComponent(name)}`, { method: 'DELETE' });
      if (after) router.push(after);
      router.refresh();
    } catch (err) {
      setError((err as Error).message);
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  }

  return (
    <span className="inline-flex flex-wrap items-center justify-end gap-1.5">
      {error ? (
        <span role="alert" className="text-xs text-red-700" data-testid="role-delete-error">
          {error}
        </span>
      ) : null}
      {confirming ? (
        <>
          <span className="text-xs text-slate-600">Delete {name}?</span>
          <button type="button" onClick={remove} disabled={busy} className={dangerButton} data-testid="role-delete-confirm">
            Delete
          </button>
          <button type="button" onClick={() => setConfirming(false)} className={smallButton}>
            Cancel
          </button>
        </>
      ) : (
        <button type="button" onClick={() => setConfirming(true)} className={dangerButton} data-testid="role-delete">
          Delete
        </button>
      )}
    </span>
  );
}
