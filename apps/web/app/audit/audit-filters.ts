/**
 * The audit page keeps its search in its URL, so a search can be bookmarked and shared.
 * The keys are the API's (GET /api/v1/audit/events), except that since/until may also be a
 * duration back from now (15m, 24h, 7d), as `postern audit search --since` takes them: a
 * link to "the last 24 hours" stays the last 24 hours.
 */
export const FILTER_KEYS = ['since', 'until', 'user', 'db', 'event', 'query', 'sid'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];
export type Filters = Partial<Record<FilterKey, string>>;

export const PAGE_SIZE = 50;

export interface PageParams {
  filters: Filters;
  /** The keyset cursor of this page (absent on the newest page). */
  cursor?: string;
  /** Cursors of the newer pages this one was reached through, for "Newer". */
  back: string[];
}

type SearchParams = Record<string, string | string[] | undefined>;

function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v?.trim() ? v.trim() : undefined;
}

export function readPageParams(sp: SearchParams): PageParams {
  const filters: Filters = {};
  for (const key of FILTER_KEYS) {
    const v = first(sp[key]);
    if (v) filters[key] = v;
  }
  const back = (first(sp.back) ?? '').split(',').filter(Boolean);
  return { filters, cursor: first(sp.cursor), back };
}

/** A since/until a person typed that is neither a time nor a duration. */
export class FilterError extends Error {}

const UNIT_MS = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 } as const;
export const RELATIVE_TIME = /^(\d+)([smhd])$/;

/** An ISO time for the API, from an ISO time or a duration back from `now`. */
export function resolveTime(name: string, value: string, now: number): string {
  const rel = RELATIVE_TIME.exec(value);
  if (rel) return new Date(now - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS]).toISOString();
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) throw new FilterError(`${name}: "${value}" is neither a date and time nor a duration such as 24h`);
  return t.toISOString();
}

/** The filters as the API takes them (absolute times). */
export function apiFilters(filters: Filters, now: number): Record<string, string> {
  const out: Record<string, string> = { ...filters } as Record<string, string>;
  if (filters.since) out.since = resolveTime('since', filters.since, now);
  if (filters.until) out.until = resolveTime('until', filters.until, now);
  return out;
}

function query(entries: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(entries)) if (v) params.set(k, v);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** A page of this search: the newest (no cursor), or one reached through `back`. */
export function auditHref(filters: Filters, cursor?: string, back: string[] = []): string {
  return `/audit${query({ ...filters, cursor, back: back.length ? back.join(',') : undefined })}`;
}

/** Every event of the search (not only this page) as JSON lines. */
export function exportHref(filters: Filters, now: number): string {
  return `/api/v1/audit/export${query(apiFilters(filters, now))}`;
}
