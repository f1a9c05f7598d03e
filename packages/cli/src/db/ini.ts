// Editing one section of an INI-style file that belongs to someone else (~/.pg_service.conf,
// ~/.my.cnf): the section is replaced or removed line by line, and every other line, comment
// and blank stays as it was.

const HEADER = /^\s*\[([^\]]*)\]\s*$/;

function isBlankOrComment(line: string | undefined): boolean {
  const t = (line ?? '').trim();
  return t === '' || t.startsWith('#') || t.startsWith(';');
}

interface Range {
  name: string;
  /** The header line. */
  start: number;
  /** Exclusive; comments and blanks right before the next header are left to it. */
  end: number;
}

function sectionRanges(lines: string[]): Range[] {
  const headers: { name: string; start: number }[] = [];
  lines.forEach((line, i) => {
    const m = HEADER.exec(line);
    if (m) headers.push({ name: (m[1] ?? '').trim(), start: i });
  });
  return headers.map((h, k) => {
    let end = headers[k + 1]?.start ?? lines.length;
    while (end > h.start + 1 && isBlankOrComment(lines[end - 1])) end--;
    return { ...h, end };
  });
}

function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function joinLines(lines: string[]): string {
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

/** Removes the given line ranges (sorted, not overlapping) and the blank line each leaves behind. */
function cut(lines: string[], ranges: Range[]): string[] {
  const out = [...lines];
  for (const r of [...ranges].reverse()) {
    out.splice(r.start, r.end - r.start);
    const prevBlank = r.start > 0 && out[r.start - 1]?.trim() === '';
    const nextBlank = r.start < out.length && out[r.start]?.trim() === '';
    if (nextBlank && (r.start === 0 || prevBlank)) out.splice(r.start, 1);
    else if (prevBlank && r.start >= out.length) out.splice(r.start - 1, 1);
  }
  return out;
}

/**
 * Puts `[name]` with `body` (lines after the header) where the first section of that name
 * was, or at the end; later duplicates go, since the clients read the first one.
 */
export function upsertSection(text: string, name: string, body: string[]): string {
  const lines = splitLines(text);
  const ranges = sectionRanges(lines).filter((r) => r.name === name);
  const section = [`[${name}]`, ...body];
  const first = ranges[0];
  if (first) {
    const rest = cut(lines, ranges.slice(1));
    rest.splice(first.start, first.end - first.start, ...section);
    return joinLines(rest);
  }
  while (lines.length > 0 && lines.at(-1)?.trim() === '') lines.pop();
  return joinLines(lines.length > 0 ? [...lines, '', ...section] : section);
}

/** Removes every section for which `drop` says yes. */
export function removeSections(text: string, drop: (name: string, entries: Map<string, string>) => boolean): string {
  const lines = splitLines(text);
  const doomed = sectionRanges(lines).filter((r) => drop(r.name, entriesOf(lines.slice(r.start + 1, r.end))));
  if (doomed.length === 0) return text;
  return joinLines(cut(lines, doomed));
}

function entriesOf(lines: string[]): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of lines) {
    if (isBlankOrComment(line)) continue;
    const at = line.indexOf('=');
    const key = (at < 0 ? line : line.slice(0, at)).trim();
    // The first value wins, as libpq reads it.
    if (!entries.has(key)) entries.set(key, at < 0 ? '' : line.slice(at + 1).trim());
  }
  return entries;
}

/** Every section with its raw (unquoted as written) values. */
export function parseSections(text: string): Map<string, Map<string, string>> {
  const lines = splitLines(text);
  const out = new Map<string, Map<string, string>>();
  for (const r of sectionRanges(lines)) {
    if (!out.has(r.name)) out.set(r.name, entriesOf(lines.slice(r.start + 1, r.end)));
  }
  return out;
}
