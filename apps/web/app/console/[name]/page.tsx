import Link from 'next/link';
import { notFound } from 'next/navigation';
import { PageHeader } from '../../../components/page-header';
import { authService } from '../../../lib/auth-service';
import { requireSession } from '../../../lib/page-session';
import { ConsoleApp } from './console-app';

export const dynamic = 'force-dynamic';

interface Props {
  params: Promise<{ name: string }>;
}

/** The browser SQL console on one database (see console-app.tsx and apps/agent/src/console). */
export default async function ConsolePage({ params }: Props) {
  const { name } = await params;
  const { caller } = await requireSession(`/console/${encodeURIComponent(name)}`);
  const db = (await authService().listDatabases(caller)).find((d) => d.name === name);
  if (!db) notFound();
  return (
    <section className="space-y-4">
      <Link href="/databases" className="text-sm text-sky-700 hover:underline">
        ← Databases
      </Link>
      <PageHeader title={`Console: ${db.name}`}>
        <Link href={`/databases/${encodeURIComponent(db.name)}/connect`} className="text-sm text-sky-700 hover:underline" data-testid="console-connect-link">
          Connect from your machine instead
        </Link>
      </PageHeader>
      {db.status === 'offline' ? (
        <p className="rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" data-testid="console-offline">
          No agent has reported in for {db.name} lately: the console may not connect until it is back.
        </p>
      ) : null}
      <ConsoleApp db={{ name: db.name, protocol: db.protocol, status: db.status, db_users: db.db_users, db_names: db.db_names }} user={caller.name} />
    </section>
  );
}
