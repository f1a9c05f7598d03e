import { describe, expect, it } from 'vitest';
import { applyMessage, errorOffset, FETCH_ROWS, FIRST_PAGE_ROWS, MAX_BROWSER_ROWS, newRun, rowsToFetch, summary } from '../app/console/[name]/console-state';
import { tokenize } from '../app/console/[name]/highlight';
import { addToHistory, loadHistory, MAX_HISTORY } from '../app/console/[name]/history';

describe('console highlighting', () => {
  it('covers the text exactly, whatever it holds', () => {
    const samples = ["select 'a''b', \"Col\", $$ x; $$, 1.5e3 -- c\nfrom t /* x */ where id = $1", "select `x`, # note\n'a\\'b' from t", "unterminated 'string", ''];
    for (const s of samples) {
      expect(tokenize(s, 'postgres').map((t) => t.text).join('')).toBe(s);
      expect(tokenize(s, 'mysql').map((t) => t.text).join('')).toBe(s);
    }
  });

  it('tells keywords, strings, comments and numbers apart', () => {
    const kinds = tokenize("SELECT 'x' -- c\nFROM t WHERE n = 42", 'postgres').filter((t) => t.kind !== 'text' && t.kind !== 'operator');
    expect(kinds.map((t) => [t.kind, t.text])).toEqual([
      ['keyword', 'SELECT'],
      ['string', "'x'"],
      ['comment', '-- c'],
      ['keyword', 'FROM'],
      ['keyword', 'WHERE'],
      ['number', '42'],
    ]);
    expect(tokenize('# c', 'mysql')[0]?.kind).toBe('comment');
    expect(tokenize('# c', 'postgres')[0]?.kind).not.toBe('comment');
  });
});

describe('console results', () => {
  const run = () => {
    const r = newRun('r1', 'select 1;\nselect g from big', 5, 1000);
    applyMessage(r, { type: 'statement', id: 'r1', stmt: 0, sql: 'select 1', offset: 0 }, 1001);
    applyMessage(r, { type: 'columns', id: 'r1', stmt: 0, columns: [{ name: '?column?', type: 'integer' }] }, 1001);
    applyMessage(r, { type: 'rows', id: 'r1', stmt: 0, rows: [['1']] }, 1002);
    applyMessage(r, { type: 'done', id: 'r1', stmt: 0, rowCount: 1, command: 'SELECT', ms: 1.5 }, 1002);
    applyMessage(r, { type: 'statement', id: 'r1', stmt: 1, sql: 'select g from big', offset: 10 }, 1003);
    return r;
  };

  it('collects statements, rows and the end of the run', () => {
    const r = run();
    expect(applyMessage(r, { type: 'rows', id: 'other', stmt: 1, rows: [['x']] }, 1004)).toBe(false);
    expect(r.statements.map((s) => s.sql)).toEqual(['select 1', 'select g from big']);
    expect(summary(r.statements[0]!)).toBe('1 row in 2 ms');
    applyMessage(r, { type: 'ready', id: 'r1' }, 1100);
    expect(r.finished).toBe(true);
    expect(r.ms).toBe(100);
  });

  it('asks for more rows only for the open statement, once what was asked has come', () => {
    const r = run();
    const last = r.statements[1]!;
    expect(rowsToFetch(r, r.statements[0]!)).toBe(0);
    expect(rowsToFetch(r, last)).toBe(0);
    applyMessage(r, { type: 'rows', id: 'r1', stmt: 1, rows: Array.from({ length: FIRST_PAGE_ROWS }, (_, i) => [String(i)]) }, 1004);
    expect(rowsToFetch(r, last)).toBe(FETCH_ROWS);
    last.requested = MAX_BROWSER_ROWS - 10;
    last.rows.length = MAX_BROWSER_ROWS - 10;
    expect(rowsToFetch(r, last)).toBe(10);
    applyMessage(r, { type: 'done', id: 'r1', stmt: 1, rowCount: 5, command: 'SELECT', ms: 3 }, 1005);
    expect(rowsToFetch(r, last)).toBe(0);
  });

  it('places an error in the editor, counting from where the run began', () => {
    const r = run();
    applyMessage(r, { type: 'error', id: 'r1', stmt: 1, message: 'boom', position: 18 }, 1004);
    expect(r.statements[1]!.error?.message).toBe('boom');
    expect(errorOffset(r, r.statements[1]!.error!)).toBe(5 + 17);
  });
});

describe('console history', () => {
  const memory = () => {
    const data = new Map<string, string>();
    return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v) };
  };

  it('keeps each user’s runs, newest first, without repeats, bounded', () => {
    const store = memory();
    addToHistory(store, 'alice', { sql: 'select 1', db: 'demo', at: '1' });
    addToHistory(store, 'alice', { sql: 'select 2', db: 'demo', at: '2' });
    addToHistory(store, 'alice', { sql: 'select 1', db: 'demo', at: '3' });
    expect(loadHistory(store, 'alice').map((e) => e.sql)).toEqual(['select 1', 'select 2']);
    expect(loadHistory(store, 'bob')).toEqual([]);
    for (let i = 0; i < MAX_HISTORY + 10; i++) addToHistory(store, 'alice', { sql: `select ${i}`, db: 'demo', at: String(i) });
    expect(loadHistory(store, 'alice')).toHaveLength(MAX_HISTORY);
  });

  it('survives garbage in storage', () => {
    const store = memory();
    store.setItem('postern.console.history.alice', '{not json');
    expect(loadHistory(store, 'alice')).toEqual([]);
    store.setItem('postern.console.history.alice', JSON.stringify([{ sql: 1 }, { sql: 'ok', db: 'd', at: 'x' }]));
    expect(loadHistory(store, 'alice').map((e) => e.sql)).toEqual(['ok']);
  });
});
