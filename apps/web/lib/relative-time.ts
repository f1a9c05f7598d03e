const UNITS: [number, string][] = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'min'],
  [1_000, 's'],
];

/** "45 s ago", "3 h ago": how fresh a heartbeat is matters more than its clock time. */
export function timeAgo(iso: string | null, now = Date.now()): string {
  if (!iso) return 'never';
  const ms = now - new Date(iso).getTime();
  if (ms < 1_000) return 'just now';
  for (const [size, unit] of UNITS) {
    if (ms >= size) return `${Math.floor(ms / size)} ${unit} ago`;
  }
  return 'just now';
}

/** A gap between two events, for the session view: 12 ms, 3.4 s, 2 min 5 s. */
export function formatGap(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const min = Math.floor(ms / 60_000);
  if (min < 60) return `${min} min ${Math.floor((ms % 60_000) / 1_000)} s`;
  return `${Math.floor(min / 60)} h ${min % 60} min`;
}
