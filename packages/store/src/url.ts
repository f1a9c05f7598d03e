import { StoreError } from './errors';

/** The database URL, checked to be postgres://…; the error never shows the password. */
export function parseDatabaseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The URL may hold a password and cannot be parsed to find it: show none of it.
    throw new StoreError('invalid_url', 'the database URL is not a valid URL (expected postgres://user:password@host:5432/db)');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new StoreError(
      'invalid_url',
      `the database URL must start with postgres:// or postgresql://, not ${parsed.protocol}//`,
    );
  }
  return parsed;
}

/** user@host:port/db, for messages; the password stays out. */
export function describeTarget(url: URL): string {
  // A Unix socket directory may be given as ?host=/run/postgresql.
  const host = url.searchParams.get('host') ?? (url.hostname || 'localhost');
  const port = url.port || '5432';
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default database)';
  const user = url.username ? `${decodeURIComponent(url.username)}@` : '';
  return `${user}${host}:${port}/${database}`;
}

/** Belt and braces: drivers may echo the connection string back in their errors. */
export function scrubSecrets(text: string, url: URL): string {
  const secrets = [url.password, safeDecode(url.password), url.searchParams.get('password') ?? '']
    .filter((s) => s.length > 0)
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
