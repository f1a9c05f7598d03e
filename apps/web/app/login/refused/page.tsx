import Link from 'next/link';
import { authService } from '../../../lib/auth-service';

export const dynamic = 'force-dynamic';

interface Props {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

/**
 * Why an SSO sign-in was refused although the identity provider vouched for the person
 * (no role mapped, a name clash). The reason is read from the store by the request's id,
 * not taken from the URL, so a link cannot make this page say something else.
 */
export default async function RefusedPage({ searchParams }: Props) {
  const params = await searchParams;
  const ref = typeof params.ref === 'string' ? params.ref : '';
  const refusal = ref ? await authService().ssoRefusal(ref) : undefined;
  return (
    <section className="mx-auto max-w-xl space-y-5" data-testid="sso-refused">
      <h1 className="text-2xl font-semibold">Sign-in refused</h1>
      {refusal ? (
        <>
          <p role="alert" className="rounded border border-red-300 bg-red-50 p-3 text-sm text-red-800" data-testid="sso-refused-reason">
            {refusal.user ? (
              <>
                <strong>{refusal.user}</strong> signed in with <strong>{refusal.display}</strong>, but Postern refused the sign-in:{' '}
              </>
            ) : (
              <>
                <strong>{refusal.display}</strong> vouched for you, but Postern refused the sign-in:{' '}
              </>
            )}
            {refusal.reason}
          </p>
          <div className="rounded border border-slate-200 bg-white p-4 text-sm">
            <p className="mb-2 text-slate-600">
              What connector <code>{refusal.connector}</code> saw in the claims its rules look at:
            </p>
            {Object.keys(refusal.claims).length > 0 ? (
              <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1" data-testid="sso-refused-claims">
                {Object.entries(refusal.claims).map(([claim, values]) => (
                  <div key={claim} className="contents">
                    <dt className="font-mono text-slate-700">{claim}</dt>
                    <dd className="font-mono">{values.length > 0 ? values.join(', ') : <span className="text-slate-400">(absent)</span>}</dd>
                  </div>
                ))}
              </dl>
            ) : (
              <p className="text-slate-500">(the connector has no claims_to_roles rules)</p>
            )}
            <p className="mt-3 text-slate-500">An admin can grant access by mapping one of these values to a role in the connector&apos;s claims_to_roles.</p>
          </div>
        </>
      ) : (
        <p className="rounded border border-slate-200 bg-white p-3 text-sm text-slate-700">This notice has expired or does not exist. Try signing in again.</p>
      )}
      <Link href="/login" className="inline-block text-sm text-sky-700 hover:underline">
        Back to sign-in
      </Link>
    </section>
  );
}
