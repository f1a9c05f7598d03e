'use client';

import { useState, type FormEvent } from 'react';
import { api } from '../../lib/client/api';

export function LocalLoginForm({ next, otp }: { next: string; otp: boolean }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const body: Record<string, string> = { user: String(form.get('user')), password: String(form.get('password')) };
    if (otp) body.otp = String(form.get('otp'));
    setBusy(true);
    setError(null);
    try {
      await api('/api/v1/login/web', { method: 'POST', body });
      window.location.assign(next);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  const input = 'w-full rounded border border-slate-300 px-3 py-2';
  return (
    <form onSubmit={submit} className="space-y-3 rounded border border-slate-200 bg-white p-5">
      <label className="block space-y-1 text-sm">
        <span>User</span>
        <input name="user" autoComplete="username" required className={input} />
      </label>
      <label className="block space-y-1 text-sm">
        <span>Password</span>
        <input name="password" type="password" autoComplete="current-password" required className={input} />
      </label>
      {otp ? (
        <label className="block space-y-1 text-sm">
          <span>One-time code</span>
          <input name="otp" inputMode="numeric" pattern="\d{6}" autoComplete="one-time-code" required className={input} />
        </label>
      ) : null}
      {error ? (
        <p role="alert" data-testid="login-error" className="text-sm text-red-700">
          {error}
        </p>
      ) : null}
      <button type="submit" disabled={busy} className="w-full rounded bg-slate-900 px-4 py-2 font-medium text-white disabled:opacity-50">
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
