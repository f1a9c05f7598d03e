import type { WireValue } from './frontend';

/**
 * An audit record should show a value, not hold a copy of a 50 MiB bytea: longer values
 * are cut to this many characters and say how long they were.
 */
export const MAX_PARAMETER_TEXT = 64 * 1024;

/**
 * Renders bound values as text for the audit log: text-format values decoded as UTF-8,
 * binary-format values as PostgreSQL's bytea hex (`\x0001ff`), SQL NULL as `NULL`. (The
 * audit format has no null; a text value "NULL" reads the same, which an auditor can live
 * with.) Formats follow Bind's rule: none means all text, one applies to every value.
 */
export function describeWireValues(values: readonly WireValue[], formats: readonly number[]): string[] {
  return values.map((value, i) => {
    if (value === null) return 'NULL';
    const format = formats.length === 0 ? 0 : formats.length === 1 ? formats[0] : formats[i];
    return format === 0 ? textValue(value) : hexValue(value);
  });
}

function textValue(value: Buffer): string {
  // Cut in bytes first, so a huge value is never decoded whole.
  const head = value.length > MAX_PARAMETER_TEXT * 4 ? value.subarray(0, MAX_PARAMETER_TEXT * 4) : value;
  const text = head.toString('utf8');
  return text.length > MAX_PARAMETER_TEXT || head !== value ? truncated(text.slice(0, MAX_PARAMETER_TEXT), value.length) : text;
}

function hexValue(value: Buffer): string {
  const maxBytes = (MAX_PARAMETER_TEXT - 2) / 2;
  if (value.length <= maxBytes) return `\\x${value.toString('hex')}`;
  return truncated(`\\x${value.subarray(0, maxBytes).toString('hex')}`, value.length);
}

function truncated(text: string, bytes: number): string {
  return `${text}… (${bytes} bytes)`;
}
