'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { api } from '../../../lib/client/api';
import { dangerButton, smallButton } from '../../../lib/class-names';

/** Lock, unlock and remove one user; removal asks once more, in place. */
export function UserActions({ name, locked, self }: { name: string; locked: boolean; self: boolean }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const path = `/api/v1/admin/users/${encodeURIComponent(name)}`;

  async function act(method: string, url: string) {
    setBusy(true);
    setError(null);
    try {
      await api(url, { method });
      setConfirming(false);
      router.refresh();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="flex flex-wrap items-center justify-end gap-1.5">
      {error ? (
        <span role="alert" data-testid="user-action-error" className="text-xs text-red-700">
          {error}
        </span>
      ) : null}
      {locked ? (
        <button type="button" disabled={busy} onClick={() => act('POST', `${path}/unlock`)} className={smallButton} data-testid="user-unlock">
          Unlock
        </button>
      ) : (
        // Locking yourself out of the admin UI is one click away otherwise.
        <button type="button" disabled={busy || self} onClick={() => act('POST', `${path}/lock`)} className={smallButton} data-testid="user-lock">
          Lock
        </button>
      )}
      {confirming ? (
        <>
          <span className="text-xs text-slate-600">Remove {name}?</span>
          <button type="button" disabled={busy} onClick={() => act('DELETE', path)} className={dangerButton} data-testid="user-remove-confirm">
            Remove
          </button>
          <button type="button" onClick={() => setConfirming(false)} className={smallButton} data-testid="user-remove-cancel">
            Cancel
          </button>
        </>
      ) : (
        <button type="button" disabled={busy || self} onClick={() => setConfirming(true)} className={dangerButton} data-testid="user-remove">
          Remove
        </button>
      )}
    </div>
  );
}
