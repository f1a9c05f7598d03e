import Link from 'next/link';
import { table, td, th } from '../../lib/class-names';
import { eventHref, failed, field, formatTime, summary, sessionHref, type AuditEvent } from './event-fields';

export function AuditTable({ events }: { events: AuditEvent[] }) {
  return (
    <table className={table} data-testid="audit-table">
      <thead>
        <tr>
          <th className={th}>Time (UTC)</th>
          <th className={th}>Event</th>
          <th className={th}>Code</th>
          <th className={th}>User</th>
          <th className={th}>Database</th>
          <th className={th}>Query / details</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => {
          const sid = field(e, 'sid');
          return (
            <tr key={field(e, 'uid')} data-testid="audit-row" data-event={field(e, 'event')} className={failed(e) ? 'bg-amber-50' : undefined}>
              <td className={`${td} whitespace-nowrap font-mono text-xs`}>
                <Link href={eventHref(e)} className="text-sky-700 hover:underline" data-testid="audit-row-link">
                  {formatTime(field(e, 'time'))}
                </Link>
              </td>
              <td className={td}>
                {field(e, 'event')}
                {sid ? (
                  <Link href={sessionHref(sid)} className="ml-2 text-xs text-sky-700 hover:underline" data-testid="audit-row-session">
                    session
                  </Link>
                ) : null}
              </td>
              <td className={`${td} font-mono text-xs`}>{field(e, 'code')}</td>
              <td className={td}>{field(e, 'user')}</td>
              <td className={td}>{field(e, 'db_service')}</td>
              <td className={`${td} max-w-md truncate font-mono text-xs text-slate-700`} title={field(e, 'db_query') || undefined}>
                {summary(e)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
