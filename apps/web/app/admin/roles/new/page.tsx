import Link from 'next/link';
import { PageHeader } from '../../../../components/page-header';
import { authService } from '../../../../lib/auth-service';
import { requireAdminSession } from '../../../../lib/page-session';
import { RoleEditor } from '../role-editor';
import { NEW_ROLE_TEMPLATE, roleToYaml } from '../role-yaml';

export const dynamic = 'force-dynamic';

interface Props {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

/** A new role: from the template, or (?from=NAME) a copy of an existing role under a new name. */
export default async function NewRolePage({ searchParams }: Props) {
  const from = (await searchParams).from;
  const session = await requireAdminSession('/admin/roles/new', 'role', 'update');
  const source = typeof from === 'string' ? (await authService().listRoles(session.caller)).find((r) => r.name === from) : undefined;
  const initial = source
    ? roleToYaml({ ...source.role, metadata: { ...(source.role.metadata as object), name: `${source.name}-copy` } })
    : NEW_ROLE_TEMPLATE;
  return (
    <section>
      <PageHeader title={source ? `New role from ${source.name}` : 'New role'}>
        <Link href="/admin/roles" className="text-sm text-sky-700 hover:underline">
          All roles
        </Link>
      </PageHeader>
      <RoleEditor initial={initial} readOnly={false} />
    </section>
  );
}
