/**
 * SQL syntax highlighting for the console's editor: a small tokenizer (keywords, strings,
 * quoted identifiers, comments, numbers, parameters) whose tokens cover the text exactly,
 * so the highlighted copy lines up character for character under the transparent textarea.
 */

export type TokenKind = 'keyword' | 'string' | 'identifier' | 'comment' | 'number' | 'operator' | 'text';

export interface Token {
  kind: TokenKind;
  text: string;
}

const KEYWORDS = new Set(
  `add all alter analyze and any array as asc begin between by call case cast check collate column commit constraint create cross current_date
  current_time current_timestamp current_user database databases default delete desc describe distinct do drop else end escape except exists
  explain false fetch filter for foreign from full function grant group having if ilike in index inner insert intersect interval into is join key
  language lateral left like limit lock natural not null nulls offset on or order outer over partition primary procedure references rename
  replace returning revoke right rollback row rows savepoint schema select set show table tables then to transaction trigger true truncate union
  unique unlock update use user using vacuum values view when where window with without`
    .split(/\s+/)
    .filter(Boolean),
);

export function tokenize(sql: string, dialect: 'postgres' | 'mysql'): Token[] {
  const out: Token[] = [];
  const push = (kind: TokenKind, text: string) => {
    const last = out[out.length - 1];
    if (last && last.kind === kind && (kind === 'text' || kind === 'operator')) last.text += text;
    else out.push({ kind, text });
  };
  let i = 0;
  const n = sql.length;
  const until = (end: string, from: number) => {
    const at = sql.indexOf(end, from);
    return at < 0 ? n : at + end.length;
  };
  while (i < n) {
    const c = sql[i]!;
    const d = sql[i + 1];
    let j: number;
    if (c === '-' && d === '-') {
      j = until('\n', i);
      if (sql[j - 1] === '\n') j--;
      push('comment', sql.slice(i, j));
    } else if (c === '#' && dialect === 'mysql') {
      j = until('\n', i);
      if (sql[j - 1] === '\n') j--;
      push('comment', sql.slice(i, j));
    } else if (c === '/' && d === '*') {
      j = until('*/', i + 2);
      push('comment', sql.slice(i, j));
    } else if (c === "'" || (c === '"' && dialect === 'mysql')) {
      j = quoted(sql, i, c, dialect === 'mysql');
      push('string', sql.slice(i, j));
    } else if ((c === 'E' || c === 'e') && d === "'" && dialect === 'postgres') {
      j = quoted(sql, i + 1, "'", true);
      push('string', sql.slice(i, j));
    } else if (c === '"' || (c === '`' && dialect === 'mysql')) {
      j = quoted(sql, i, c, false);
      push('identifier', sql.slice(i, j));
    } else if (c === '$' && dialect === 'postgres' && /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.test(sql.slice(i, i + 64))) {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64))![0];
      j = until(tag, i + tag.length);
      push('string', sql.slice(i, j));
    } else if (/[0-9]/.test(c) || (c === '.' && d !== undefined && /[0-9]/.test(d))) {
      j = i + 1;
      while (j < n && /[0-9.eE_]/.test(sql[j]!)) j++;
      push('number', sql.slice(i, j));
    } else if (/[A-Za-z_]/.test(c)) {
      j = i + 1;
      while (j < n && /[A-Za-z0-9_$]/.test(sql[j]!)) j++;
      const word = sql.slice(i, j);
      push(KEYWORDS.has(word.toLowerCase()) ? 'keyword' : 'text', word);
    } else if (c === '$' && d !== undefined && /[0-9]/.test(d)) {
      j = i + 1;
      while (j < n && /[0-9]/.test(sql[j]!)) j++;
      push('number', sql.slice(i, j));
    } else if (/[-+*/<>=!|&%^~:;,()[\]]/.test(c)) {
      j = i + 1;
      push('operator', c);
    } else {
      j = i + 1;
      push('text', c);
    }
    i = j;
  }
  return out;
}

function quoted(sql: string, open: number, quote: string, backslashes: boolean): number {
  let i = open + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashes && c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}
