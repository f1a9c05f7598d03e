import { describe, expect, it } from 'vitest';
import { apiFilters, auditHref, exportHref, FilterError, readPageParams, resolveTime } from '../app/audit/audit-filters';

const NOW = Date.parse('2026-11-21T12:00:00.000Z');

describe('audit page URL', () => {
  it('reads the filters, the cursor and the way back from the query string', () => {
    const p = readPageParams({ user: ' alice ', db: '', event: ['db.session.query', 'x'], cursor: '40', back: '90,65', other: 'ignored' });
    expect(p).toEqual({ filters: { user: 'alice', event: 'db.session.query' }, cursor: '40', back: ['90', '65'] });
    expect(readPageParams({})).toEqual({ filters: {}, cursor: undefined, back: [] });
  });

  it('takes since/until as a time or as a duration back from now', () => {
    expect(resolveTime('since', '24h', NOW)).toBe('2026-11-20T12:00:00.000Z');
    expect(resolveTime('since', '15m', NOW)).toBe('2026-11-21T11:45:00.000Z');
    expect(resolveTime('since', '2026-11-01T08:00:00+02:00', NOW)).toBe('2026-11-01T06:00:00.000Z');
    expect(() => resolveTime('until', 'yesterday', NOW)).toThrow(FilterError);
    expect(() => resolveTime('until', 'yesterday', NOW)).toThrow('until: "yesterday" is neither');
    expect(apiFilters({ since: '1h', user: 'bob' }, NOW)).toEqual({ since: '2026-11-21T11:00:00.000Z', user: 'bob' });
  });

  it('pages back through the cursors it came by, to the newest page', () => {
    const f = { user: 'alice' };
    // newest → 90 → 65: the page at cursor 65 remembers 90.
    expect(auditHref(f)).toBe('/audit?user=alice');
    expect(auditHref(f, '90')).toBe('/audit?user=alice&cursor=90');
    expect(auditHref(f, '65', ['90'])).toBe('/audit?user=alice&cursor=65&back=90');
  });

  it('exports the whole search with absolute times, never a page of it', () => {
    expect(exportHref({ since: '24h', db: 'orders', query: 'DROP TABLE' }, NOW)).toBe(
      '/api/v1/audit/export?since=2026-11-20T12%3A00%3A00.000Z&db=orders&query=DROP+TABLE',
    );
    expect(exportHref({}, NOW)).toBe('/api/v1/audit/export');
  });
});
