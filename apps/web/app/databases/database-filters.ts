// The databases page's search and label filters, kept in the URL so a filtered list can be
// linked: ?q=text&label=env:dev&label=team:core. Labels of one key widen the match (env:dev
// or env:staging), labels of different keys narrow it (env:dev and team:core).

export interface DatabaseFilters {
  q: string;
  /** `key:value`, sorted, no duplicates. */
  labels: string[];
}

interface Filterable {
  name: string;
  protocol: string;
  labels: Record<string, string>;
}

export function labelToken(key: string, value: string): string {
  return `${key}:${value}`;
}

function splitToken(token: string): [string, string] {
  const at = token.indexOf(':');
  return at < 0 ? [token, ''] : [token.slice(0, at), token.slice(at + 1)];
}

function normalize(labels: Iterable<string>): string[] {
  return [...new Set([...labels].filter((l) => l.includes(':')))].sort();
}

export function readFilters(params: Record<string, string | string[] | undefined> | URLSearchParams): DatabaseFilters {
  const get = (k: string): string[] => {
    if (params instanceof URLSearchParams) return params.getAll(k);
    const v = params[k];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  };
  return { q: (get('q')[0] ?? '').trim(), labels: normalize(get('label')) };
}

/** The query string for these filters, with its '?', or '' when none is set. */
export function filtersQuery(f: DatabaseFilters): string {
  const params = new URLSearchParams();
  if (f.q.trim()) params.set('q', f.q.trim());
  for (const l of normalize(f.labels)) params.append('label', l);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function toggleLabel(f: DatabaseFilters, token: string): DatabaseFilters {
  const labels = f.labels.includes(token) ? f.labels.filter((l) => l !== token) : [...f.labels, token];
  return { ...f, labels: normalize(labels) };
}

export function matchesFilters(db: Filterable, f: DatabaseFilters): boolean {
  const byKey = new Map<string, Set<string>>();
  for (const token of f.labels) {
    const [k, v] = splitToken(token);
    byKey.set(k, (byKey.get(k) ?? new Set()).add(v));
  }
  for (const [k, values] of byKey) {
    const have = db.labels[k];
    if (have === undefined || !values.has(have)) return false;
  }
  const q = f.q.trim().toLowerCase();
  if (!q) return true;
  const haystack = [db.name, db.protocol, ...Object.entries(db.labels).map(([k, v]) => labelToken(k, v))];
  return q.split(/\s+/).every((word) => haystack.some((h) => h.toLowerCase().includes(word)));
}

/** Every label the listed databases carry, as filter choices: key → sorted values. */
export function labelChoices(dbs: readonly Filterable[]): [string, string[]][] {
  const byKey = new Map<string, Set<string>>();
  for (const db of dbs) {
    for (const [k, v] of Object.entries(db.labels)) byKey.set(k, (byKey.get(k) ?? new Set()).add(v));
  }
  return [...byKey.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, vs]) => [k, [...vs].sort()]);
}
