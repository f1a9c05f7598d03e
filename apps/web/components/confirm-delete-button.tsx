'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { dangerButton, smallButton } from '../lib/class-names';
import { api } from '../lib/client/api';

export interface ConfirmDeleteButtonProps {
  /** The API resource to DELETE. */
  url: string;
  /** What the question names ("Delete dev?"). */
  name: string;
  /** The button's word: "Delete" or "Remove". */
  verb: string;
  /** The question before the second click, when "Delete NAME?" does not say enough. */
  question?: string;
  /** A page to go to afterwards; otherwise the current page is refreshed. */
  after?: string;
  testIds: { open: string; confirm: string; error?: string };
}

/** DELETE after a second click; the server's refusal is shown next to the button. */
export function ConfirmDeleteButton({ url, name, verb, question, after, testIds }: ConfirmDeleteButtonProps) {
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function remove() {
    setBusy(true);
    setError(null);
    try {
      await api(url, { method: 'DELETE' });
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
        <span role="alert" className="text-xs text-red-700" data-testid={testIds.error}>
          {error}
        </span>
      ) : null}
      {confirming ? (
        <>
          <span className="text-xs text-slate-600" data-testid={`${testIds.confirm}-question`}>
            {question ?? `${verb} ${name}?`}
          </span>
          <button type="button" onClick={remove} disabled={busy} className={dangerButton} data-testid={testIds.confirm}>
            {verb}
          </button>
          <button type="button" onClick={() => setConfirming(false)} className={smallButton}>
            Cancel
          </button>
        </>
      ) : (
        <button type="button" onClick={() => setConfirming(true)} className={dangerButton} data-testid={testIds.open}>
          {verb}
        </button>
      )}
    </span>
  );
}
