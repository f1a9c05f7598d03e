'use client';

import { useEffect, useState, type FormEvent } from 'react';

interface SignupInfo {
  user: string;
  expires: string;
  second_factor: 'off' | 'otp' | 'webauthn';
  totp?: { secret: string; uri: string };
}

async function errorText(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    return body.error?.message ?? `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

export function SignupForm({ token }: { token: string }) {
  const [info, setInfo] = useState<SignupInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    fetch(`/api/v1/signup/${encodeURIComponent(token)}`)
      .then(async (res) => (res.ok ? setInfo((await res.json()) as SignupInfo) : setError(await errorText(res))))
      .catch((err: unknown) => setError(String(err)));
  }, [token]);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    if (form.get('password') !== form.get('confirm')) {
      setError('the two passwords differ');
      return;
    }
    setBusy(true);
    setError(null);
    const body: Record<string, string> = { password: String(form.get('password')) };
    if (info?.totp) {
      body.totp_secret = info.totp.secret;
      body.otp = String(form.get('otp'));
    }
    const res = await fetch(`/api/v1/signup/${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    setBusy(false);
    if (res.ok) setDone(true);
    else setError(await errorText(res));
  }

  if (done) {
    return (
      <div className="space-y-3 rounded border border-emerald-300 bg-emerald-50 p-4">
        <p>Your account <b>{info?.user}</b> is ready. Sign in from your terminal:</p>
        <pre className="rounded bg-slate-900 p-3 text-sm text-slate-100">postern login --proxy {typeof window === 'undefined' ? 'HOST' : window.location.host} --user {info?.user}</pre>
      </div>
    );
  }
  if (!info) {
    return <p className={error ? 'text-red-700' : 'text-slate-500'}>{error ?? 'Loading…'}</p>;
  }
  return (
    <form onSubmit={submit} className="space-y-4 rounded border border-slate-200 bg-white p-6 shadow-sm">
      <p>
        User <b>{info.user}</b>. This link works once, until {new Date(info.expires).toLocaleString()}.
      </p>
      <label className="block">
        <span className="text-sm font-medium">Password (at least 12 characters)</span>
        <input name="password" type="password" minLength={12} required className="mt-1 w-full rounded border px-3 py-2" />
      </label>
      <label className="block">
        <span className="text-sm font-medium">Password again</span>
        <input name="confirm" type="password" minLength={12} required className="mt-1 w-full rounded border px-3 py-2" />
      </label>
      {info.totp && (
        <div className="space-y-2">
          <p className="text-sm">
            Add this key to your authenticator app, then enter the code it shows:
          </p>
          <code className="block break-all rounded bg-slate-100 p-2 text-sm" data-testid="totp-secret">
            {info.totp.secret}
          </code>
          <a className="text-sm text-blue-700 underline" href={info.totp.uri}>
            open in authenticator app
          </a>
          <input name="otp" inputMode="numeric" pattern="[0-9]{6}" required placeholder="123456" className="w-full rounded border px-3 py-2" />
        </div>
      )}
      {error && <p className="text-sm text-red-700">{error}</p>}
      <button disabled={busy} className="rounded bg-slate-900 px-4 py-2 text-white disabled:opacity-50">
        {busy ? 'Saving…' : 'Create account'}
      </button>
    </form>
  );
}
