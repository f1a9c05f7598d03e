import Link from 'next/link';
import { ErrorBox } from '../../../../components/error-box';
import { PageHeader } from '../../../../components/page-header';
import { card, table, td, th } from '../../../../lib/class-names';
import { requireAdminSession } from '../../../../lib/page-session';
import { formatGap } from '../../../../lib/relative-time';
import { eventHref, failed, field, formatTime, type AuditEvent } from '../../event-fields';
import { searchEvents } from '../../search-events';

export const dynamic = 'force-dynamic';

/** The API's largest page: a session longer than this continues on a next page. */
const SESSION_PAGE = 5000;

const ms = (e: AuditEvent) => new Date(field(e, 'time')).getTime();
const ei = (e: AuditEvent) => (typeof e.ei === 'number' ? e.ei : 0);

interface Props {
  params: Promise<{ sid: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export default async function AuditSessionPage({ params, searchParams }: Props) {
  const { sid } = await params;
  const cursor = (await searchParams).cursor;
  const after = typeof cursor === 'string' ? cursor : undefined;
  const path = `/audit/sessions/${encodeURIComponent(sid)}`;
  const session = await requireAdminSession(path, 'audit', 'list');
  const page = await searchEvents(session.caller, { sid, order: 'asc', limit: SESSION_PAGE, ...(after ? { cursor: after } : {}) });
  if (!page.ok) {
    return (
      <section className="space-y-4">
        <PageHeader title="Session" />
        <ErrorBox message={page.error} testId="audit-error" />
      </section>
    );
  }
  // Stored order is arrival order; within a session the agent's counter (ei) is the truth.
  const events = [...page.events].sort((a, b) => ei(a) - ei(b));
  // On a later page, times still count from the session's first event.
  const start = after ? await searchEvents(session.caller, { sid, order: 'asc', limit: 1 }) : page;
  const first = start.ok ? start.events[0] : undefined;
  const t0 = first ? ms(first) : 0;
  const head = first ?? events[0];
  const last = events[events.length - 1];
  return (
    <section className="space-y-4">
      <PageHeader title="Session">
        <Link href={`/audit?sid=${encodeURIComponent(sid)}`} className="text-sm text-sky-700 hover:underline">
          In the audit search
        </Link>
      </PageHeader>
      {head ? (
        <dl className="grid grid-cols-2 gap-x-6 gap-y-1 text-sm sm:grid-cols-4" data-testid="audit-session-summary">
          {[
            ['Session', sid],
            ['User', field(head, 'user')],
            ['Database', `${field(head, 'db_service')} (${field(head, 'db_protocol')})`],
            ['As', `${field(head, 'db_user')}@${field(head, 'db_name')}`],
            ['Started', `${formatTime(field(head, 'time'))} UTC`],
            ['Events', `${events.length}${page.next ? '+' : ''}`],
            ['Lasted', last && first ? formatGap(ms(last) - t0) : ''],
          ].map(([k, v]) => (
            <div key={k} className="min-w-0">
              <dt className="text-xs uppercase tracking-wide text-slate-500">{k}</dt>
              <dd className="truncate font-medium" title={v}>
                {v}
              </dd>
            </div>
          ))}
        </dl>
      ) : (
        <p className="text-sm text-slate-500" data-testid="audit-empty">
          No events for session {sid}.
        </p>
      )}
      <div className={`${card} overflow-x-auto`}>
        <table className={table} data-testid="audit-session-table">
          <thead>
            <tr>
              <th className={th}>#</th>
              <th className={th}>Since start</th>
              <th className={th}>After previous</th>
              <th className={th}>Event</th>
              <th className={th}>Code</th>
              <th className={th}>Query</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e, i) => {
              const prev = events[i - 1];
              return (
                <tr key={field(e, 'uid')} data-testid="audit-row" data-event={field(e, 'event')} className={failed(e) ? 'bg-amber-50' : undefined}>
                  <td className={`${td} font-mono text-xs`}>
                    <Link href={eventHref(e)} className="text-sky-700 hover:underline">
                      {ei(e)}
                    </Link>
                  </td>
                  <td className={`${td} whitespace-nowrap font-mono text-xs`}>{`+${formatGap(ms(e) - t0)}`}</td>
                  <td className={`${td} whitespace-nowrap font-mono text-xs text-slate-500`}>{prev ? formatGap(ms(e) - ms(prev)) : ''}</td>
                  <td className={td}>{field(e, 'event')}</td>
                  <td className={`${td} font-mono text-xs`}>{field(e, 'code')}</td>
                  <td className={td}>
                    <pre className="whitespace-pre-wrap break-all font-mono text-xs text-slate-700">{field(e, 'db_query')}</pre>
                    {field(e, 'error') ? <p className="text-xs text-red-700">{field(e, 'error')}</p> : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {page.next ? (
          <p className="border-t border-slate-100 px-3 py-2 text-right text-sm">
            <Link href={`${path}?cursor=${page.next}`} className="text-sky-700 hover:underline" data-testid="audit-older">
              Later events →
            </Link>
          </p>
        ) : null}
      </div>
    </section>
  );
}
