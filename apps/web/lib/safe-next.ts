/** Where to go after sign-in: only a path on this site, so a link cannot send people elsewhere. */
export function safeNextPath(raw: string | string[] | undefined | null, fallback = '/databases'): string {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return fallback;
  return value;
}
