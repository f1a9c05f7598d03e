'use client';

import type { AddTokenResponse } from '@postern/api';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { CopyButton } from '../../../components/copy-button';
import { ErrorBox } from '../../../components/error-box';
import { api } from '../../../lib/client/api';
import { button, card, input } from '../../../lib/class-names';
import { AGENT_START_COMMAND, agentConfigYaml } from './agent-config';

function Snippet({ text, testId }: { text: string; testId: string }) {
  return (
    <div className="flex items-start gap-2">
      <pre className="min-w-0 flex-1 overflow-x-auto rounded bg-slate-900 p-3 text-xs text-slate-100" data-testid={testId}>
        {text}
      </pre>
      <CopyButton text={text} testId={`${testId}-copy`} />
    </div>
  );
}

/** Creates a single-use join token and shows it once, with what to run on the new host. */
export function CreateTokenForm({ clusterName, proxyAddr }: { clusterName: string; proxyAddr: string }) {
  const router = useRouter();
  const [created, setCreated] = useState<AddTokenResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      setCreated(await api<AddTokenResponse>('/api/v1/admin/tokens', { method: 'POST', body: { type: form.get('type'), ttl: form.get('ttl') } }));
      router.refresh();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const settings = created ? { clusterName, proxyAddr, token: created.token, caPin: created.ca_pin } : undefined;
  return (
    <div className="space-y-4">
      <form onSubmit={submit} className={`${card} flex flex-wrap items-end gap-3 p-4`} data-testid="create-token-form">
        <label className="space-y-1 text-sm">
          <span className="block">Type</span>
          <select name="type" defaultValue="agent" className={input} data-testid="token-type">
            <option value="agent">agent</option>
            <option value="proxy">proxy</option>
          </select>
        </label>
        <label className="space-y-1 text-sm">
          <span className="block">Valid for</span>
          <input name="ttl" defaultValue="1h" pattern="(\d+h)?(\d+m)?(\d+s)?" required className={`${input} w-28`} data-testid="token-ttl" />
        </label>
        <button type="submit" disabled={busy} className={button} data-testid="token-create">
          {busy ? 'Creating…' : 'Create join token'}
        </button>
      </form>
      <ErrorBox message={error} testId="token-error" />
      {created && settings ? (
        <div className="space-y-3 rounded border border-emerald-300 bg-emerald-50 p-4 text-sm" data-testid="token-created">
          <p>
            Single-use {created.type} token, valid until {new Date(created.expires).toLocaleString()}. It is shown only now.
          </p>
          <Snippet text={created.token} testId="token-value" />
          {created.type === 'agent' ? (
            <>
              <p>
                On the agent machine, write <code>/etc/postern/postern.yaml</code> (list the databases it serves):
              </p>
              <Snippet text={agentConfigYaml(settings)} testId="token-agent-config" />
              <p>then start it:</p>
              <Snippet text={AGENT_START_COMMAND} testId="token-agent-command" />
            </>
          ) : (
            <p>
              Set it as <code>agent.join_token</code> in the proxy&apos;s postern.yaml, with <code>agent.ca_pin: {created.ca_pin}</code>.
            </p>
          )}
        </div>
      ) : null}
    </div>
  );
}
