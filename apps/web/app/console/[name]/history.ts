/** The console's query history, per user, in the browser's localStorage (most recent first). */

export const MAX_HISTORY = 100;

export interface HistoryEntry {
  sql: string;
  db: string;
  at: string;
}

type Store = Pick<Storage, 'getItem' | 'setItem'>;

export function historyKey(user: string): string {
  return `postern.console.history.${user}`;
}

export function loadHistory(store: Store, user: string): HistoryEntry[] {
  try {
    const parsed: unknown = JSON.parse(store.getItem(historyKey(user)) ?? '[]');
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((e): e is HistoryEntry => typeof e?.sql === 'string' && typeof e?.db === 'string' && typeof e?.at === 'string').slice(0, MAX_HISTORY);
  } catch {
    return [];
  }
}

/** Adds a run's text on top; the same text run again moves up instead of repeating. */
export function addToHistory(store: Store, user: string, entry: HistoryEntry): HistoryEntry[] {
  const next = [entry, ...loadHistory(store, user).filter((e) => !(e.sql === entry.sql && e.db === entry.db))].slice(0, MAX_HISTORY);
  try {
    store.setItem(historyKey(user), JSON.stringify(next));
  } catch {
    // Storage full or disabled: the history just does not persist.
  }
  return next;
}
