'use client';

import { BUNDLE_EXPIRES_HEADER, bundleConnection, bundleFolder, connectCommands } from '@postern/api/bundle';
import type { DatabaseInfo } from '@postern/api';
import { useId, useState, type FormEvent } from 'react';
import { CopyButton } from '../../../../components/copy-button';
import { ErrorBox } from '../../../../components/error-box';
import { ApiError, csrfToken } from '../../../../lib/client/api';
import { button, card, input } from '../../../../lib/class-names';

const TTL_CHOICES = ['1h', '8h', '12h', '24h'] as const;

type Db = Pick<DatabaseInfo, 'name' | 'protocol' | 'db_users' | 'db_names'>;

/**
 * A db user or db name: a list when the roles name literal values, free text (with the
 * literal values as suggestions) when they allow '*'.
 */
function Choice({ label, allowed, value, onChange, testId, name }: { label: string; allowed: string[]; value: string; onChange: (v: string) => void; testId: string; name: string }) {
  const listId = useId();
  const literal = allowed.filter((v) => v !== '*');
  const free = allowed.includes('*');
  return (
    <label className="block space-y-1 text-sm">
      <span className="block font-medium">{label}</span>
      {free ? (
        <>
          <input
            name={name}
            value={value}
            onChange={(e) => onChange(e.target.value)}
            list={literal.length > 0 ? listId : undefined}
            required
            autoComplete="off"
            spellCheck={false}
            placeholder={literal[0] ?? 'any'}
            className={input}
            data-testid={testId}
          />
          {literal.length > 0 ? (
            <datalist id={listId}>
              {literal.map((v) => (
                <option key={v} value={v} />
              ))}
            </datalist>
          ) : null}
          <span className="block text-xs text-slate-500">Your roles allow any {label.toLowerCase()} here.</span>
        </>
      ) : (
        <select name={name} value={value} onChange={(e) => onChange(e.target.value)} required disabled={literal.length === 0} className={input} data-testid={testId}>
          {literal.length === 0 ? <option value="">none allowed</option> : null}
          {literal.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      )}
    </label>
  );
}

function firstChoice(allowed: string[]): string {
  const literal = allowed.filter((v) => v !== '*');
  return literal.length === 1 || !allowed.includes('*') ? (literal[0] ?? '') : '';
}

function filenameOf(res: Response, fallback: string): string {
  const m = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '');
  return m?.[1] ?? fallback;
}

async function errorOf(res: Response): Promise<ApiError> {
  let body: { error?: { code?: string; message?: string } } | undefined;
  try {
    body = (await res.json()) as typeof body;
  } catch {
    body = undefined;
  }
  return new ApiError(res.status, body?.error?.code ?? 'error', body?.error?.message ?? `the server answered HTTP ${res.status}`);
}

/** Saves a Blob as a file through a temporary link (the response came from a POST). */
function save(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function ConnectPanel({ db, address }: { db: Db; address: { host: string; port: number } }) {
  const [dbUser, setDbUser] = useState(() => firstChoice(db.db_users));
  const [dbName, setDbName] = useState(() => firstChoice(db.db_names));
  const [ttl, setTtl] = useState<string>('12h');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<{ filename: string; expires: string } | null>(null);

  const folder = bundleFolder(db.name);
  const commands = connectCommands(
    bundleConnection(db, address, { db_user: dbUser.trim() || 'DB_USER', db_name: dbName.trim() || 'DB_NAME' }),
  );
  const nothingAllowed = db.db_users.length === 0 || db.db_names.length === 0;

  async function download(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const res = await fetch(`/api/v1/databases/${encodeURIComponent(db.name)}/bundle`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken() },
        body: JSON.stringify({ db_user: dbUser.trim(), db_name: dbName.trim(), ttl }),
        credentials: 'same-origin',
      });
      if (!res.ok) throw await errorOf(res);
      const filename = filenameOf(res, `${folder}.zip`);
      save(await res.blob(), filename);
      setDone({ filename, expires: res.headers.get(BUNDLE_EXPIRES_HEADER) ?? '' });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="space-y-6">
      <form onSubmit={download} className={`${card} space-y-4 p-4`} data-testid="connect-form">
        <div className="grid gap-4 sm:grid-cols-3">
          <Choice label="Database user" name="db_user" allowed={db.db_users} value={dbUser} onChange={setDbUser} testId="connect-db-user" />
          <Choice label="Database name" name="db_name" allowed={db.db_names} value={dbName} onChange={setDbName} testId="connect-db-name" />
          <label className="block space-y-1 text-sm">
            <span className="block font-medium">Certificate valid for</span>
            <select name="ttl" value={ttl} onChange={(e) => setTtl(e.target.value)} className={input} data-testid="connect-ttl">
              {TTL_CHOICES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
            <span className="block text-xs text-slate-500">At most what your roles and this sign-in allow.</span>
          </label>
        </div>
        {nothingAllowed ? (
          <p className="text-sm text-amber-800" data-testid="connect-nothing-allowed">
            Your roles allow no {db.db_users.length === 0 ? 'database user' : 'database name'} on {db.name}: ask an admin.
          </p>
        ) : null}
        <div className="flex flex-wrap items-center gap-3">
          <button type="submit" disabled={busy || nothingAllowed} className={button} data-testid="download-bundle">
            {busy ? 'Preparing…' : 'Download certificate bundle'}
          </button>
          <span className="text-xs text-slate-500">
            A zip with a private key made for this download only (Postern keeps no copy), its certificate, the proxy&apos;s CA and a ready{' '}
            {db.protocol === 'postgres' ? 'pg_service.conf' : 'my.cnf'}.
          </span>
        </div>
        <ErrorBox message={error} testId="bundle-error" />
        {done ? (
          <p role="status" className="rounded border border-emerald-300 bg-emerald-50 p-3 text-sm" data-testid="bundle-done">
            Saved <code>{done.filename}</code>
            {done.expires ? <>; the certificate is valid until {new Date(done.expires).toLocaleString()}</> : null}.
          </p>
        ) : null}
      </form>

      <div className="space-y-3">
        <h2 className="text-lg font-semibold">Then connect</h2>
        <p className="text-sm text-slate-600">
          Unzip the bundle and run the command from its folder: <code className="rounded bg-slate-100 px-1">unzip {folder}.zip && cd {folder}</code>
        </p>
        <ul className="space-y-3">
          {commands.map((c) => (
            <li key={c.id} className="space-y-1">
              <p className="text-sm text-slate-700">
                {c.label}
                {c.from === 'cli' ? <span className="text-slate-500"> (no bundle needed)</span> : null}
              </p>
              <div className="flex items-start gap-2">
                <pre className="min-w-0 flex-1 whitespace-pre-wrap break-all rounded bg-slate-900 p-3 text-xs text-slate-100" data-testid={`command-${c.id}`}>
                  {c.command}
                </pre>
                <CopyButton text={c.command} testId={`copy-${c.id}`} label="Copy" />
              </div>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
