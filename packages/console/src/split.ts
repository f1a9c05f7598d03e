/**
 * Splits console input into statements, as psql and the mysql client do before they send
 * anything: at `;` outside quotes and comments. PostgreSQL: '…' (with ''), E'…' (with
 * backslash escapes), "…", $tag$…$tag$, -- and nested /* *\/ comments. MySQL/MariaDB: '…'
 * and "…" (with backslash escapes and doubled quotes), `…`, -- , # and /* *\/ comments, and
 * the client's `DELIMITER xx` lines (for procedure bodies). The page uses the same code to
 * find the statement under the cursor.
 *
 * Not handled: PostgreSQL's `BEGIN ATOMIC … END` function bodies (write them with $$ …
 * $$), and psql's backslash commands, which are not SQL.
 */

export type Dialect = 'postgres' | 'mysql';

export interface Statement {
  /** The statement's text: from its first non-blank character (comments included) to before its delimiter. */
  sql: string;
  /** Offsets in the source: sql === source.slice(start, end). */
  start: number;
  end: number;
  /** Just after the delimiter (or the end of the source): the statement "owns" [start, next). */
  next: number;
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
const isIdentStart = (c: string | undefined) => c !== undefined && /[A-Za-z_\u0080-\uffff]/.test(c);
const isIdentChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_\u0080-\uffff]/.test(c);

export function splitStatements(source: string, dialect: Dialect): Statement[] {
  const out: Statement[] = [];
  const n = source.length;
  let delimiter = ';';
  let i = 0;
  let start = -1; // first non-blank char of the current statement
  let hasCode = false; // the current statement has more than comments
  let lineStart = true; // only blanks since the last newline (for DELIMITER)

  const finish = (endAt: number, nextAt: number) => {
    if (start >= 0 && hasCode) {
      let end = endAt;
      while (end > start && isSpace(source[end - 1])) end--;
      out.push({ sql: source.slice(start, end), start, end, next: nextAt });
    } else if (out.length > 0) {
      out[out.length - 1]!.next = nextAt;
    }
    start = -1;
    hasCode = false;
  };
  const mark = (at: number, code: boolean) => {
    if (start < 0) start = at;
    if (code) hasCode = true;
  };

  while (i < n) {
    const c = source[i]!;
    const d = source[i + 1];

    if (c === '\n') lineStart = true;
    if (isSpace(c)) {
      i++;
      continue;
    }

    // mysql client's DELIMITER command: a line of its own, outside any statement.
    if (dialect === 'mysql' && lineStart && !hasCode && /^delimiter[ \t]/i.test(source.slice(i, i + 10))) {
      const eol = source.indexOf('\n', i);
      const line = source.slice(i + 9, eol < 0 ? n : eol).trim();
      if (line.length > 0) delimiter = line.split(/\s+/)[0]!;
      if (start >= 0 && !hasCode) start = -1; // comments before it belong to nothing
      i = eol < 0 ? n : eol;
      continue;
    }
    lineStart = false;

    // Comments.
    if ((c === '-' && d === '-' && (dialect === 'postgres' || isSpace(source[i + 2]) || i + 2 >= n)) || (dialect === 'mysql' && c === '#')) {
      mark(i, false);
      const eol = source.indexOf('\n', i);
      i = eol < 0 ? n : eol;
      continue;
    }
    if (c === '/' && d === '*') {
      // MySQL's /*! … */ carries code for the server; it still cannot hold our delimiter.
      mark(i, dialect === 'mysql' && source[i + 2] === '!');
      i = skipBlockComment(source, i, dialect === 'postgres');
      continue;
    }

    // The delimiter.
    if (source.startsWith(delimiter, i)) {
      finish(i, i + delimiter.length);
      i += delimiter.length;
      continue;
    }

    mark(i, true);

    // Quoted text.
    if (c === "'" || c === '"' || (dialect === 'mysql' && c === '`')) {
      const backslashes = dialect === 'mysql' && c !== '`';
      i = skipQuoted(source, i, c, backslashes);
      continue;
    }
    if (dialect === 'postgres' && (c === 'E' || c === 'e') && d === "'" && !isIdentChar(source[i - 1])) {
      i = skipQuoted(source, i + 1, "'", true);
      continue;
    }
    if (dialect === 'postgres' && c === '$' && !isIdentChar(source[i - 1])) {
      const m = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(source.slice(i, i + 64));
      if (m) {
        const tag = m[0];
        const close = source.indexOf(tag, i + tag.length);
        i = close < 0 ? n : close + tag.length;
        continue;
      }
    }
    // An identifier or keyword: skip it whole, so that `a$b$` or `x'` parts are not misread.
    if (isIdentStart(c)) {
      i++;
      while (i < n && (isIdentChar(source[i]) || (dialect === 'postgres' && source[i] === '$'))) i++;
      continue;
    }
    i++;
  }
  finish(n, n);
  return out;
}

function skipQuoted(source: string, open: number, quote: string, backslashes: boolean): number {
  let i = open + 1;
  while (i < source.length) {
    const c = source[i];
    if (backslashes && c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (source[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return source.length;
}

function skipBlockComment(source: string, open: number, nested: boolean): number {
  let depth = 1;
  let i = open + 2;
  while (i < source.length) {
    if (source[i] === '*' && source[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
      continue;
    }
    if (nested && source[i] === '/' && source[i + 1] === '*') {
      depth++;
      i += 2;
      continue;
    }
    i++;
  }
  return source.length;
}

/**
 * The statement the cursor is in: the one whose text or delimiter the cursor touches, else
 * the one before it (the cursor after `select 1;` runs `select 1`), else the first after.
 */
export function statementAt(statements: Statement[], cursor: number): Statement | undefined {
  const inside = statements.find((s) => cursor >= s.start && cursor <= s.end);
  if (inside) return inside;
  const trailing = statements.find((s) => cursor > s.end && cursor <= s.next);
  if (trailing) return trailing;
  let before: Statement | undefined;
  for (const s of statements) if (s.end < cursor) before = s;
  return before ?? statements[0];
}

/** 1-based line and column of a character offset, for error messages. */
export function lineAndColumn(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lastNewline = -1;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source[i] === '\n') {
      line++;
      lastNewline = i;
    }
  }
  return { line, column: offset - lastNewline };
}
