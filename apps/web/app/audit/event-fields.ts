/** Audit events are open JSON records; the pages read their documented fields through these. */
export type AuditEvent = Record<string, unknown>;

export function field(e: AuditEvent, key: string): string {
  const v = e[key];
  return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
}

/** 2026-11-21 10:00:00.123 (UTC): the stored time, to the millisecond. */
export function formatTime(iso: string): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 23)}` : '';
}

/**
 * What the last column shows: the statement on one line, cut to fit; for other events what
 * they were about (the user or role acted on) or why they failed.
 */
export function summary(e: AuditEvent, max = 120): string {
  const text = (field(e, 'db_query') || field(e, 'error') || field(e, 'name')).replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Failures carry a W or E code (TDB02W, T1000W) and an error. */
export function failed(e: AuditEvent): boolean {
  return /[WE]$/.test(field(e, 'code')) || e.success === false;
}

export function eventHref(e: AuditEvent): string {
  return `/audit/events/${encodeURIComponent(field(e, 'uid'))}`;
}

export function sessionHref(sid: string): string {
  return `/audit/sessions/${encodeURIComponent(sid)}`;
}
