import { redirect } from 'next/navigation';
import { authService } from '../../lib/auth-service';
import { currentSession } from '../../lib/page-session';
import { safeNextPath } from '../../lib/safe-next';
import { LocalLoginForm } from './local-login-form';

export const dynamic = 'force-dynamic';

interface Props {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export default async function LoginPage({ searchParams }: Props) {
  const params = await searchParams;
  const next = safeNextPath(params.next);
  if (await currentSession()) redirect(next);
  const ping = authService().ping();
  const error = typeof params.error === 'string' ? params.error : undefined;
  return (
    <section className="mx-auto max-w-md space-y-6">
      <h1 className="text-2xl font-semibold">Sign in to {ping.cluster_name}</h1>
      {error ? (
        <p role="alert" data-testid="login-error" className="rounded border border-red-300 bg-red-50 p-3 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      {ping.connectors.length > 0 ? (
        <div className="space-y-2">
          {ping.connectors.map((c) => (
            <a
              key={c.name}
              href={`/api/v1/sso/${encodeURIComponent(c.name)}/login?next=${encodeURIComponent(next)}`}
              className="block rounded bg-sky-700 px-4 py-2 text-center font-medium text-white hover:bg-sky-800"
            >
              Sign in with {c.display}
            </a>
          ))}
          <p className="pt-2 text-center text-xs uppercase tracking-wide text-slate-400">or with a local user</p>
        </div>
      ) : null}
      <LocalLoginForm next={next} otp={ping.second_factor === 'otp'} />
    </section>
  );
}
