import { PageHeader } from '../../components/page-header';
import { authService } from '../../lib/auth-service';
import { requireSession } from '../../lib/page-session';
import { filtersQuery, readFilters } from './database-filters';
import { DatabaseList } from './database-list';

export const dynamic = 'force-dynamic';

interface Props {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export default async function DatabasesPage({ searchParams }: Props) {
  const filters = readFilters(await searchParams);
  const { caller } = await requireSession(`/databases${filtersQuery(filters)}`);
  // Filtered by the roles on the server: the page never learns of a database it may not show.
  const databases = await authService().listDatabases(caller);
  return (
    <section>
      <PageHeader title="Databases" />
      <DatabaseList databases={databases} initial={filters} />
    </section>
  );
}
