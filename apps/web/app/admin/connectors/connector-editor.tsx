'use client';

import type { ConnectorInfo } from '@postern/api';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { ErrorBox } from '../../../components/error-box';
import { api } from '../../../lib/client/api';
import { button, card, input } from '../../../lib/class-names';

/** A connector's YAML; Save creates or replaces it, validated on the server by the postern.yaml schema. */
export function ConnectorEditor({ name: fixedName, initial }: { name?: string; initial: string }) {
  const router = useRouter();
  const [name, setName] = useState(fixedName ?? '');
  const [text, setText] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function save() {
    setError(null);
    if (!name) {
      setError('name: give the connector a name (lowercase letters, digits, - and _)');
      return;
    }
    setBusy(true);
    try {
      const saved = await api<ConnectorInfo>(`/api/v1/admin/connectors/${encodeURIComponent(name)}`, { method: 'PUT', body: { yaml: text } });
      router.push(`/admin/connectors?saved=${encodeURIComponent(saved.name)}`);
      router.refresh();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="space-y-3">
      <label className="block max-w-sm space-y-1 text-sm">
        <span>Name</span>
        <input
          value={name}
          onChange={(e) => setName(e.target.value.trim())}
          readOnly={fixedName !== undefined}
          className={`${input} ${fixedName !== undefined ? 'bg-slate-50 text-slate-600' : ''}`}
          placeholder="okta"
          data-testid="connector-name"
        />
      </label>
      <textarea
        value={text}
        onChange={(e) => setText(e.target.value)}
        spellCheck={false}
        rows={Math.max(12, text.split('\n').length + 2)}
        className={`${card} w-full p-3 font-mono text-sm`}
        data-testid="connector-yaml"
        aria-label="Connector YAML"
      />
      <ErrorBox message={error} testId="connector-error" />
      <button type="button" onClick={save} disabled={busy} className={button} data-testid="connector-save">
        {busy ? 'Saving…' : 'Save'}
      </button>
    </div>
  );
}
