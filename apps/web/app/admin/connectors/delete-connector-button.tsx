'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { api } from '../../../lib/client/api';
import { dangerButton, smallButton } from '../../../lib/class-names';

/** Removes a stored connector after a second click; its users keep their accounts but cannot sign in through it. */
export function DeleteConnectorButton({ name }: { name: string }) {
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function remove() {
    setBusy(true);
    setError(null);
    try {
      await api(`/api/v1/admin/connectors/${encodeURIComponent(name)}`, { method: 'DELETE' });
      router.push('/admin/connectors');
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
        <span role="alert" className="text-xs text-red-700">
          {error}
        </span>
      ) : null}
      {confirming ? (
        <>
          <span className="text-xs text-slate-600">Remove {name}?</span>
          <button type="button" onClick={remove} disabled={busy} className={dangerButton} data-testid="connector-delete-confirm">
            Remove
          </button>
          <button type="button" onClick={() => setConfirming(false)} className={smallButton}>
            Cancel
          </button>
        </>
      ) : (
        <button type="button" onClick={() => setConfirming(true)} className={dangerButton} data-testid={`connector-delete-${name}`}>
          Remove
        </button>
      )}
    </span>
  );
}
