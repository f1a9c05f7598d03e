import type { UserInfo } from '@postern/api';
import { PageHeader } from '../../../components/page-header';
import { authService } from '../../../lib/auth-service';
import { badge, card, table, td, th } from '../../../lib/class-names';
import { requireAdminSession } from '../../../lib/page-session';
import { AddUserForm } from './add-user-form';
import { UserActions } from './user-actions';

export const dynamic = 'force-dynamic';

function State({ user }: { user: UserInfo }) {
  if (user.locked) return <span className={`${badge} bg-red-100 text-red-800`}>locked</span>;
  if (!user.active) return <span className={`${badge} bg-amber-100 text-amber-800`}>invited</span>;
  return <span className={`${badge} bg-emerald-100 text-emerald-800`}>active</span>;
}

export default async function UsersPage() {
  const session = await requireAdminSession('/admin/users', 'user', 'list');
  const service = authService();
  const users = await service.listUsers(session.caller);
  const roles = service.allows(session.caller, 'role', 'list') ? (await service.listRoles(session.caller)).map((r) => r.name) : [];
  return (
    <section>
      <PageHeader title="Users" />
      <div className="grid gap-6 lg:grid-cols-[1fr_20rem]">
        <div className={`${card} self-start overflow-x-auto`}>
          <table className={table} data-testid="users-table">
            <thead>
              <tr>
                <th className={th}>User</th>
                <th className={th}>Roles</th>
                <th className={th}>State</th>
                <th className={th}>Sign-in</th>
                <th className={th}>Created</th>
                <th className={th} />
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.name} data-testid={`user-row-${u.name}`}>
                  <td className={`${td} font-medium`}>{u.name}</td>
                  <td className={td}>{u.roles.join(', ')}</td>
                  <td className={td} data-testid="user-state">
                    <State user={u} />
                  </td>
                  <td className={td}>{u.connector ? `SSO (${u.connector})` : 'local'}</td>
                  <td className={`${td} whitespace-nowrap text-slate-500`} title={u.created}>
                    {u.created.slice(0, 10)}
                  </td>
                  <td className={`${td} text-right`}>
                    <UserActions name={u.name} locked={u.locked} self={u.name === session.caller.name} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <AddUserForm roles={roles} />
      </div>
    </section>
  );
}
