import type { ConnectorInfo } from '@postern/api';
import Link from 'next/link';
import { stringify } from 'yaml';
import { PageHeader } from '../../../components/page-header';
import { authService } from '../../../lib/auth-service';
import { badge, button, card, smallButton, table, td, th } from '../../../lib/class-names';
import { requireAdminSession } from '../../../lib/page-session';
import { ConnectorEditor } from './connector-editor';
import { DeleteConnectorButton } from './delete-connector-button';

export const dynamic = 'force-dynamic';

const TEMPLATES: Record<'oidc' | 'saml', string> = {
  oidc: `type: oidc
display: Okta
issuer: https://example.okta.com
client_id: postern
client_secret: change-me
scopes: [openid, email, profile, groups]
username_claim: email
claims_to_roles:
  - { claim: groups, value: dba, roles: [admin] }
  - { claim: groups, value: "dev-*", roles: [access] }
`,
  saml: `type: saml
display: Entra ID
metadata_url: https://login.example.com/federationmetadata.xml
# or: metadata_xml: |  (the IdP's metadata), or sso_url + cert
username_attribute: email
claims_to_roles:
  - { claim: groups, value: dba, roles: [admin] }
`,
};

function editYaml(c: ConnectorInfo): string {
  const { name: _name, ...spec } = c.spec;
  const yaml = stringify(spec, { lineWidth: 0 });
  return c.client_secret_set ? `${yaml}# client_secret is set; leave it out to keep it, or give a new one\n` : yaml;
}

interface Props {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export default async function ConnectorsPage({ searchParams }: Props) {
  const session = await requireAdminSession('/admin/connectors', 'connector', 'list');
  const params = await searchParams;
  const connectors = await authService().listConnectors(session.caller);
  const editName = typeof params.edit === 'string' ? params.edit : undefined;
  const editing = editName ? connectors.find((c) => c.name === editName) : undefined;
  const newType = params.new === 'oidc' || params.new === 'saml' ? params.new : undefined;
  return (
    <section className="space-y-6">
      <PageHeader title="SSO connectors">
        <span className="flex gap-2">
          <Link href="/admin/connectors?new=oidc" className={button} data-testid="connector-new-oidc">
            New OIDC connector
          </Link>
          <Link href="/admin/connectors?new=saml" className={button} data-testid="connector-new-saml">
            New SAML connector
          </Link>
        </span>
      </PageHeader>
      <div className={`${card} overflow-x-auto`}>
        <table className={table} data-testid="connectors-table">
          <thead>
            <tr>
              <th className={th}>Connector</th>
              <th className={th}>Type</th>
              <th className={th}>From</th>
              <th className={th}>Client secret</th>
              <th className={th}>For the identity provider</th>
              <th className={th} />
            </tr>
          </thead>
          <tbody>
            {connectors.length === 0 ? (
              <tr>
                <td className={`${td} text-slate-500`} colSpan={6}>
                  No connectors yet: people sign in with local users only.
                </td>
              </tr>
            ) : null}
            {connectors.map((c) => (
              <tr key={c.name} data-testid={`connector-row-${c.name}`}>
                <td className={td}>
                  <div className="font-medium">{c.name}</div>
                  <div className="text-xs text-slate-500">Sign in with {c.display}</div>
                </td>
                <td className={td}>
                  <span className={`${badge} bg-slate-100 text-slate-700`}>{c.type.toUpperCase()}</span>
                </td>
                <td className={td}>
                  {c.source === 'config' ? (
                    <span className={`${badge} bg-amber-100 text-amber-800`} title="Change it in postern.yaml">
                      postern.yaml (read-only)
                    </span>
                  ) : (
                    <span className="text-xs text-slate-600">
                      admin{c.updated_by ? ` (${c.updated_by})` : ''}
                    </span>
                  )}
                </td>
                <td className={td} data-testid={`connector-secret-${c.name}`}>
                  {c.type === 'oidc' ? (c.client_secret_set ? 'set' : 'none (public client)') : '—'}
                </td>
                <td className={`${td} font-mono text-xs`}>
                  {Object.entries(c.urls).map(([k, v]) => (
                    <div key={k}>
                      <span className="text-slate-500">{k}:</span> {v}
                    </div>
                  ))}
                </td>
                <td className={`${td} text-right`}>
                  {c.source === 'store' ? (
                    <span className="inline-flex gap-1.5">
                      <Link href={`/admin/connectors?edit=${encodeURIComponent(c.name)}`} className={smallButton} data-testid={`connector-edit-${c.name}`}>
                        Edit
                      </Link>
                      <DeleteConnectorButton name={c.name} />
                    </span>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {editing && editing.source === 'store' ? (
        <div className="space-y-2">
          <h2 className="text-lg font-semibold">Edit {editing.name}</h2>
          <ConnectorEditor key={`edit-${editing.name}`} name={editing.name} initial={editYaml(editing)} />
        </div>
      ) : null}
      {newType ? (
        <div className="space-y-2">
          <h2 className="text-lg font-semibold">New {newType.toUpperCase()} connector</h2>
          <ConnectorEditor key={`new-${newType}`} initial={TEMPLATES[newType]} />
        </div>
      ) : null}
      <p className="text-sm text-slate-500">
        Each connector takes the same settings as an entry of <code>auth.connectors</code> in postern.yaml (see docs/sso.md). Client
        secrets are stored encrypted and never shown again.
      </p>
    </section>
  );
}
