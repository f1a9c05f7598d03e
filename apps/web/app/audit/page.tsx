import Link from 'next/link';
import { ErrorBox } from '../../components/error-box';
import { PageHeader } from '../../components/page-header';
import { card, smallButton } from '../../lib/class-names';
import { requireAdminSession } from '../../lib/page-session';
import { apiFilters, auditHref, exportHref, FilterError, PAGE_SIZE, readPageParams } from './audit-filters';
import { AuditSearchForm } from './audit-search-form';
import { AuditTable } from './audit-table';
import { searchEvents, type SearchOutcome } from './search-events';

export const dynamic = 'force-dynamic';

interface Props {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export default async function AuditPage({ searchParams }: Props) {
  const sp = await searchParams;
  const { filters, cursor, back } = readPageParams(sp);
  const session = await requireAdminSession(auditHref(filters, cursor, back), 'audit', 'list');
  const now = Date.now();
  let result: SearchOutcome;
  try {
    const q = apiFilters(filters, now);
    result = await searchEvents(session.caller, { ...q, limit: PAGE_SIZE, order: 'desc', ...(cursor ? { cursor } : {}) });
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    result = { ok: false, error: err.message };
  }
  const newer = cursor ? auditHref(filters, back[back.length - 1], back.slice(0, -1)) : undefined;
  const older = result.ok && result.next ? auditHref(filters, result.next, cursor ? [...back, cursor] : back) : undefined;
  return (
    <section className="space-y-4">
      <PageHeader title="Audit log">
        {result.ok ? (
          // A plain link: the browser downloads the JSON lines with the session cookie.
          <a href={exportHref(filters, now)} download="postern-audit.jsonl" className={smallButton} data-testid="audit-export">
            Export JSON lines
          </a>
        ) : null}
      </PageHeader>
      <AuditSearchForm key={JSON.stringify(filters)} filters={filters} />
      <ErrorBox message={result.ok ? null : result.error} testId="audit-error" />
      {result.ok ? (
        <div className={`${card} overflow-x-auto`}>
          <AuditTable events={result.events} />
          {result.events.length === 0 ? (
            <p className="p-3 text-sm text-slate-500" data-testid="audit-empty">
              No events match.
            </p>
          ) : null}
          {newer || older ? (
            <nav className="flex items-center justify-between border-t border-slate-100 px-3 py-2 text-sm">
              {newer ? (
                <Link href={newer} className="text-sky-700 hover:underline" data-testid="audit-newer">
                  ← Newer
                </Link>
              ) : (
                <span />
              )}
              {older ? (
                <Link href={older} className="text-sky-700 hover:underline" data-testid="audit-older">
                  Next page →
                </Link>
              ) : null}
            </nav>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
