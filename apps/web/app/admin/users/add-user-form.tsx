'use client';

import type { AddUserResponse } from '@postern/api';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { CopyButton } from '../../../components/copy-button';
import { ErrorBox } from '../../../components/error-box';
import { api } from '../../../lib/client/api';
import { button, card, input } from '../../../lib/class-names';
import { parseTraits } from './parse-traits';

/** Adds a user and shows the one-time sign-up link, which is never shown again. */
export function AddUserForm({ roles }: { roles: string[] }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState<AddUserResponse | null>(null);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const formEl = e.currentTarget;
    const form = new FormData(formEl);
    setError(null);
    let traits: Record<string, string[]>;
    try {
      traits = parseTraits(String(form.get('traits') ?? ''));
    } catch (err) {
      setError((err as Error).message);
      return;
    }
    const chosen = [...form.getAll('roles').map(String), ...String(form.get('other_roles') ?? '').split(',')].map((r) => r.trim()).filter(Boolean);
    setBusy(true);
    try {
      const res = await api<AddUserResponse>('/api/v1/admin/users', {
        method: 'POST',
        body: { name: String(form.get('name')).trim(), roles: [...new Set(chosen)], traits, ttl: String(form.get('ttl') || '1h') },
      });
      setAdded(res);
      formEl.reset();
      router.refresh();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="space-y-4">
      <form onSubmit={submit} className={`${card} space-y-3 p-4`} data-testid="add-user-form">
        <h2 className="font-semibold">Add a user</h2>
        <label className="block space-y-1 text-sm">
          <span>Name</span>
          <input name="name" required className={input} autoComplete="off" data-testid="add-user-name" />
        </label>
        <fieldset className="space-y-1 text-sm">
          <legend>Roles</legend>
          {roles.map((r) => (
            <label key={r} className="mr-3 inline-flex items-center gap-1">
              <input type="checkbox" name="roles" value={r} data-testid={`add-user-role-${r}`} /> {r}
            </label>
          ))}
          {roles.length === 0 ? (
            <input name="other_roles" placeholder="access, dev" className={input} data-testid="add-user-roles" />
          ) : null}
        </fieldset>
        <label className="block space-y-1 text-sm">
          <span>
            Traits <span className="text-slate-400">(optional, one per line)</span>
          </span>
          <textarea name="traits" rows={3} placeholder={'db_users: alice, app\ndb_names: app'} className={`${input} font-mono`} data-testid="add-user-traits" />
        </label>
        <label className="block space-y-1 text-sm">
          <span>Sign-up link valid for</span>
          <select name="ttl" defaultValue="1h" className={input}>
            <option value="1h">1 hour</option>
            <option value="24h">1 day</option>
            <option value="168h">7 days</option>
          </select>
        </label>
        <ErrorBox message={error} testId="add-user-error" />
        <button type="submit" disabled={busy} className={button} data-testid="add-user-submit">
          {busy ? 'Adding…' : 'Add user'}
        </button>
      </form>
      {added ? (
        <div className="space-y-2 rounded border border-emerald-300 bg-emerald-50 p-4 text-sm" data-testid="signup-url-box">
          <p>
            <b>{added.user.name}</b> added. Send them this one-time sign-up link (valid until {new Date(added.expires).toLocaleString()}); it is not shown
            again.
          </p>
          <div className="flex items-start gap-2">
            <code className="block min-w-0 flex-1 break-all rounded bg-white p-2 text-xs" data-testid="signup-url">
              {added.signup_url}
            </code>
            <CopyButton text={added.signup_url} testId="signup-url-copy" />
          </div>
        </div>
      ) : null}
    </div>
  );
}
