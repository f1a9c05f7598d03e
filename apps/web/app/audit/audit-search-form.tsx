'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { button, card, input, smallButton } from '../../lib/class-names';
import { auditHref, FILTER_KEYS, RELATIVE_TIME, type Filters } from './audit-filters';

/** Common event names to pick from; any other name can be typed. */
const EVENTS = ['db.session.start', 'db.session.query', 'db.session.end', 'user.login', 'user.create', 'user.update', 'user.delete', 'role.created', 'role.deleted', 'cert.create', 'join_token.create', 'instance.join', 'agent.delete'];

const LABELS: Record<(typeof FILTER_KEYS)[number], string> = {
  since: 'Since',
  until: 'Until',
  user: 'User',
  db: 'Database',
  event: 'Event',
  query: 'Text in query',
  sid: 'Session id',
};

/**
 * A time typed without a zone means the person's own clock, which only the browser knows:
 * it becomes an ISO time here. Durations (24h) stay as they are, so the link stays relative.
 */
function normalizeTime(value: string): string {
  if (!value || RELATIVE_TIME.test(value)) return value;
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? value : t.toISOString();
}

export function AuditSearchForm({ filters }: { filters: Filters }) {
  const router = useRouter();
  const [since, setSince] = useState(filters.since ?? '');

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const next: Filters = {};
    for (const key of FILTER_KEYS) {
      const raw = String(form.get(key) ?? '').trim();
      const value = key === 'since' || key === 'until' ? normalizeTime(raw) : raw;
      if (value) next[key] = value;
    }
    router.push(auditHref(next));
  }

  const field = (key: (typeof FILTER_KEYS)[number], extra: Record<string, string> = {}) => (
    <label key={key} className="space-y-1 text-sm">
      <span className="block text-slate-600">{LABELS[key]}</span>
      <input name={key} defaultValue={filters[key] ?? ''} className={input} data-testid={`audit-filter-${key}`} {...extra} />
    </label>
  );

  return (
    // method=get: without JavaScript the browser submits the same filters itself.
    <form method="get" action="/audit" onSubmit={submit} className={`${card} space-y-3 p-4`} data-testid="audit-search-form">
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <label className="space-y-1 text-sm">
          <span className="block text-slate-600">Since</span>
          <input
            name="since"
            value={since}
            onChange={(e) => setSince(e.target.value)}
            placeholder="24h or 2026-11-21 10:00"
            className={input}
            data-testid="audit-filter-since"
          />
          <span className="flex gap-1">
            {['15m', '1h', '24h', '7d'].map((d) => (
              <button key={d} type="button" onClick={() => setSince(d)} className={smallButton}>
                {d}
              </button>
            ))}
          </span>
        </label>
        {field('until', { placeholder: 'now' })}
        {field('user')}
        {field('db')}
        {field('event', { list: 'audit-event-names', placeholder: 'db.session.query' })}
        {field('query', { placeholder: 'SELECT' })}
        {field('sid')}
      </div>
      <datalist id="audit-event-names">
        {EVENTS.map((e) => (
          <option key={e} value={e} />
        ))}
      </datalist>
      <div className="flex gap-2">
        <button type="submit" className={button} data-testid="audit-search">
          Search
        </button>
        <button type="button" onClick={() => router.push('/audit')} className={smallButton}>
          Clear
        </button>
      </div>
    </form>
  );
}
