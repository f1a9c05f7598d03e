import Link from 'next/link';
import { PageHeader } from '../../../components/page-header';
import { authService } from '../../../lib/auth-service';
import { badge, button, card, table, td, th } from '../../../lib/class-names';
import { requireAdminSession } from '../../../lib/page-session';
import { DeleteRoleButton } from './delete-role-button';

export const dynamic = 'force-dynamic';

function description(role: Record<string, unknown>): string {
  const metadata = role.metadata as { description?: unknown } | undefined;
  return typeof metadata?.description === 'string' ? metadata.description : '';
}

export default async function RolesPage() {
  const session = await requireAdminSession('/admin/roles', 'role', 'list');
  const roles = await authService().listRoles(session.caller);
  return (
    <section>
      <PageHeader title="Roles">
        <Link href="/admin/roles/new" className={button} data-testid="role-new">
          New role
        </Link>
      </PageHeader>
      <div className={`${card} overflow-x-auto`}>
        <table className={table} data-testid="roles-table">
          <thead>
            <tr>
              <th className={th}>Role</th>
              <th className={th}>Kind</th>
              <th className={th}>Description</th>
              <th className={th} />
            </tr>
          </thead>
          <tbody>
            {roles.map((r) => (
              <tr key={r.name} data-testid={`role-row-${r.name}`}>
                <td className={td}>
                  <Link href={`/admin/roles/${encodeURIComponent(r.name)}`} className="font-medium text-sky-700 hover:underline">
                    {r.name}
                  </Link>
                </td>
                <td className={td}>
                  {r.builtin ? <span className={`${badge} bg-slate-100 text-slate-700`}>built-in</span> : <span className={`${badge} bg-sky-100 text-sky-800`}>custom</span>}
                </td>
                <td className={`${td} text-slate-600`}>{description(r.role)}</td>
                <td className={`${td} text-right`}>{r.builtin ? null : <DeleteRoleButton name={r.name} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
