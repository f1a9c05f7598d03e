import { PageHeader } from '../../../components/page-header';
import { authService } from '../../../lib/auth-service';
import { badge, card, table, td, th } from '../../../lib/class-names';
import { requireAdminSession } from '../../../lib/page-session';
import { CreateTokenForm } from './create-token-form';

export const dynamic = 'force-dynamic';

export default async function TokensPage() {
  const session = await requireAdminSession('/admin/tokens', 'token', 'list');
  const service = authService();
  const tokens = await service.listJoinTokens(session.caller);
  const ping = service.ping();
  return (
    <section className="space-y-6">
      <PageHeader title="Join tokens" />
      <p className="max-w-3xl text-sm text-slate-600">
        An agent next to your databases joins the cluster once with a single-use token, then keeps a reverse tunnel to the proxy. Tokens are stored
        hashed: a token is shown only when it is created.
      </p>
      <CreateTokenForm clusterName={ping.cluster_name} proxyAddr={ping.proxy_public_addr ?? 'PROXY_HOST:3080'} />
      <div className={`${card} overflow-x-auto`}>
        <h2 className="px-3 pt-3 font-semibold">Unexpired tokens</h2>
        <table className={table} data-testid="tokens-table">
          <thead>
            <tr>
              <th className={th}>Id</th>
              <th className={th}>Type</th>
              <th className={th}>Expires</th>
              <th className={th}>State</th>
              <th className={th}>Created by</th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id} data-testid={`token-row-${t.id}`}>
                <td className={`${td} font-mono text-xs`}>{t.id}</td>
                <td className={td}>{t.type}</td>
                <td className={`${td} whitespace-nowrap`}>{t.expires.replace('T', ' ').slice(0, 19)} UTC</td>
                <td className={td}>
                  {t.used ? <span className={`${badge} bg-slate-100 text-slate-600`}>used</span> : <span className={`${badge} bg-emerald-100 text-emerald-800`}>unused</span>}
                </td>
                <td className={td}>{t.created_by}</td>
              </tr>
            ))}
            {tokens.length === 0 ? (
              <tr>
                <td colSpan={5} className={`${td} text-slate-500`}>
                  No unexpired tokens.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </section>
  );
}
