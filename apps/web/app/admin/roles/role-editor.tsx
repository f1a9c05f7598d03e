'use client';

import type { RoleInfo } from '@postern/api';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { ErrorBox } from '../../../components/error-box';
import { api } from '../../../lib/client/api';
import { button, card } from '../../../lib/class-names';

/** The YAML of one role; Apply creates or replaces the role named in metadata.name. */
export function RoleEditor({ initial, readOnly, copyHref }: { initial: string; readOnly: boolean; copyHref?: string }) {
  const router = useRouter();
  const [text, setText] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function apply() {
    setError(null);
    setSaved(null);
    setBusy(true);
    try {
      // The server parses the YAML: its message names the line, or the path of the bad key.
      const res = await api<RoleInfo>('/api/v1/admin/roles', { method: 'POST', body: { yaml: text } });
      setSaved(`Role ${res.name} applied.`);
      router.push(`/admin/roles/${encodeURIComponent(res.name)}`);
      router.refresh();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="space-y-3">
      <textarea
        value={text}
        onChange={(e) => setText(e.target.value)}
        readOnly={readOnly}
        spellCheck={false}
        rows={Math.max(16, text.split('\n').length + 2)}
        className={`${card} w-full p-3 font-mono text-sm ${readOnly ? 'bg-slate-50 text-slate-600' : ''}`}
        data-testid="role-yaml"
        aria-label="Role YAML"
      />
      <ErrorBox message={error} testId="role-error" />
      {saved ? (
        <p className="text-sm text-emerald-700" data-testid="role-saved">
          {saved}
        </p>
      ) : null}
      {readOnly ? (
        <p className="text-sm text-slate-500">
          Built-in roles cannot be changed.{' '}
          {copyHref ? (
            <Link href={copyHref} className="text-sky-700 hover:underline" data-testid="role-copy">
              Copy it into a new role
            </Link>
          ) : null}
        </p>
      ) : (
        <button type="button" onClick={apply} disabled={busy} className={button} data-testid="role-apply">
          {busy ? 'Applying…' : 'Apply'}
        </button>
      )}
    </div>
  );
}
