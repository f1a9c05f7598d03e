import Link from 'next/link';
import { notFound } from 'next/navigation';
import { PageHeader } from '../../../../components/page-header';
import { authService } from '../../../../lib/auth-service';
import { requireSession } from '../../../../lib/page-session';
import { ConnectPanel } from './connect-panel';

export const dynamic = 'force-dynamic';

interface Props {
  params: Promise<{ name: string }>;
}

export default async function ConnectPage({ params }: Props) {
  const { name } = await params;
  const { caller } = await requireSession(`/databases/${encodeURIComponent(name)}/connect`);
  const service = authService();
  // A database the roles do not show is answered as one that does not exist.
  const db = (await service.listDatabases(caller)).find((d) => d.name === name);
  if (!db) notFound();
  const address = await service.databaseAddress(db.protocol);
  return (
    <section className="space-y-4" data-testid="connect-page">
      <Link href="/databases" className="text-sm text-sky-700 hover:underline">
        ← Databases
      </Link>
      <PageHeader title={`Connect to ${db.name} from your machine`} />
      <p className="text-sm text-slate-600">
        {db.protocol === 'postgres' ? 'PostgreSQL' : 'MySQL'} through the Postern proxy at{' '}
        <code data-testid="connect-address">
          {address.host}:{address.port}
        </code>
        , with a short-lived certificate for the database user and name you choose.
      </p>
      <ConnectPanel db={{ name: db.name, protocol: db.protocol, db_users: db.db_users, db_names: db.db_names }} address={address} />
    </section>
  );
}
