import Link from 'next/link';
import { notFound } from 'next/navigation';
import { PageHeader } from '../../../../components/page-header';
import { card } from '../../../../lib/class-names';
import { requireAdminSession } from '../../../../lib/page-session';
import { field, formatTime, sessionHref } from '../../event-fields';
import { getEvent } from '../../search-events';

export const dynamic = 'force-dynamic';

export default async function AuditEventPage({ params }: { params: Promise<{ uid: string }> }) {
  const { uid } = await params;
  const session = await requireAdminSession(`/audit/events/${encodeURIComponent(uid)}`, 'audit', 'list');
  const found = await getEvent(session.caller, uid);
  if (!found) notFound();
  const { event } = found;
  const sid = field(event, 'sid');
  return (
    <section className="space-y-4">
      <PageHeader title={field(event, 'event') || 'Audit event'}>
        <span className="flex gap-4 text-sm">
          {sid ? (
            <Link href={sessionHref(sid)} className="text-sky-700 hover:underline" data-testid="audit-event-session">
              Whole session
            </Link>
          ) : null}
          <Link href="/audit" className="text-sky-700 hover:underline">
            Audit log
          </Link>
        </span>
      </PageHeader>
      <p className="text-sm text-slate-600">
        {formatTime(field(event, 'time'))} UTC · code <span className="font-mono">{field(event, 'code')}</span> · uid <span className="font-mono">{uid}</span>
      </p>
      <pre className={`${card} whitespace-pre-wrap break-all p-4 font-mono text-xs`} data-testid="audit-event-json">
        {JSON.stringify(event, null, 2)}
      </pre>
    </section>
  );
}
