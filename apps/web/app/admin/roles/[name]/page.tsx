import Link from 'next/link';
import { notFound } from 'next/navigation';
import { PageHeader } from '../../../../components/page-header';
import { authService } from '../../../../lib/auth-service';
import { requireAdminSession } from '../../../../lib/page-session';
import { DeleteRoleButton } from '../delete-role-button';
import { RoleEditor } from '../role-editor';
import { roleToYaml } from '../role-yaml';

export const dynamic = 'force-dynamic';

export default async function RolePage({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  const session = await requireAdminSession(`/admin/roles/${encodeURIComponent(name)}`, 'role', 'read');
  const role = await authService()
    .getRole(session.caller, name)
    .catch((err: unknown) => ((err as { code?: string }).code === 'not_found' ? notFound() : Promise.reject(err)));
  return (
    <section>
      <PageHeader title={`Role ${role.name}`}>
        <span className="flex items-center gap-4">
          {role.builtin ? null : <DeleteRoleButton name={role.name} after="/admin/roles" />}
          <Link href="/admin/roles" className="text-sm text-sky-700 hover:underline">
            All roles
          </Link>
        </span>
      </PageHeader>
      <RoleEditor initial={roleToYaml(role.role)} readOnly={role.builtin} copyHref={`/admin/roles/new?from=${encodeURIComponent(role.name)}`} />
    </section>
  );
}
