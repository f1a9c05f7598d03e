import Link from 'next/link';
import { SignOutButton } from './sign-out-button';

export interface NavUser {
  name: string;
  roles: string[];
  isAdmin: boolean;
}

const ADMIN_LINKS = [
  ['/admin/users', 'Users'],
  ['/admin/roles', 'Roles'],
  ['/admin/tokens', 'Join tokens'],
  ['/admin/connectors', 'Connectors'],
  ['/admin/agents', 'Agents'],
] as const;

export function NavBar({ user }: { user: NavUser | undefined }) {
  return (
    <header className="border-b border-slate-200 bg-white">
      <nav className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-5 gap-y-2 px-6 py-3 text-sm">
        <Link href="/" className="text-lg font-semibold tracking-tight">
          Postern
        </Link>
        {user ? (
          <>
            <Link href="/databases" className="text-slate-700 hover:text-slate-950">
              Databases
            </Link>
            <Link href="/audit" className="text-slate-700 hover:text-slate-950">
              Audit
            </Link>
            {user.isAdmin
              ? ADMIN_LINKS.map(([href, label]) => (
                  <Link key={href} href={href} className="text-slate-700 hover:text-slate-950">
                    {label}
                  </Link>
                ))
              : null}
            <span className="ml-auto text-slate-500" data-testid="signed-in-user">
              {user.name} <span className="text-slate-400">({user.roles.join(', ')})</span>
            </span>
            <SignOutButton />
          </>
        ) : (
          <span className="text-slate-500">database access, by identity</span>
        )}
      </nav>
    </header>
  );
}
