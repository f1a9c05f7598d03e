import { describe, expect, it } from 'vitest';
import { lineAndColumn, splitStatements, statementAt } from '../src/split';

const texts = (sql: string, dialect: 'postgres' | 'mysql' = 'postgres') => splitStatements(sql, dialect).map((s) => s.sql);

describe('splitStatements (PostgreSQL)', () => {
  it('splits at semicolons and drops empty statements', () => {
    expect(texts('select 1; select 2;;\n  select 3  ')).toEqual(['select 1', 'select 2', 'select 3']);
    expect(texts('  ;  ; ')).toEqual([]);
  });

  it('keeps semicolons inside quotes, identifiers, comments and dollar quotes', () => {
    const sql = [
      "select 'a;b', 'it''s;', E'x\\';y', \"col;umn\"",
      '-- comment; here\nselect 2 /* a; /* nested; */ still; */',
      'create function f() returns int as $$ select 1; $$ language sql',
      'do $body$ begin perform 1; end $body$',
    ].join(';\n');
    expect(texts(sql)).toEqual([
      "select 'a;b', 'it''s;', E'x\\';y', \"col;umn\"",
      '-- comment; here\nselect 2 /* a; /* nested; */ still; */',
      'create function f() returns int as $$ select 1; $$ language sql',
      'do $body$ begin perform 1; end $body$',
    ]);
  });

  it('does not take $1 parameters or identifiers with $ for dollar quotes', () => {
    expect(texts('select $1, a$b$c from t; select 2')).toEqual(['select $1, a$b$c from t', 'select 2']);
  });

  it('gives offsets into the source', () => {
    const src = '  select 1;\n\nselect 2 ; ';
    const [a, b] = splitStatements(src, 'postgres');
    expect(src.slice(a!.start, a!.end)).toBe('select 1');
    expect(src.slice(b!.start, b!.end)).toBe('select 2');
    expect(b!.start).toBe(13);
    expect(b!.next).toBe(src.length); // trailing blanks belong to the last statement
  });

  it('ignores a statement of comments only', () => {
    expect(texts('select 1; -- the end')).toEqual(['select 1']);
    expect(texts('/* only */')).toEqual([]);
  });

  it('runs to the end of the text on an unterminated quote', () => {
    expect(texts("select 'open; select 2")).toEqual(["select 'open; select 2"]);
  });
});

describe('splitStatements (MySQL)', () => {
  it('knows backslash escapes, backticks, # and -- comments', () => {
    const sql = "select 'a\\';b', \"x;\", `we;ird`; # note; here\nselect 2 -- c;\n; select 3--4;\nselect 5";
    expect(texts(sql, 'mysql')).toEqual(["select 'a\\';b', \"x;\", `we;ird`", '# note; here\nselect 2 -- c;', 'select 3--4', 'select 5']);
  });

  it('follows DELIMITER lines', () => {
    const sql = 'DELIMITER $$\ncreate procedure p() begin select 1; select 2; end$$\nDELIMITER ;\ncall p(); select 3;';
    expect(texts(sql, 'mysql')).toEqual(['create procedure p() begin select 1; select 2; end', 'call p()', 'select 3']);
  });

  it('treats $ as an ordinary character', () => {
    expect(texts('select 1 as $a; select 2', 'mysql')).toEqual(['select 1 as $a', 'select 2']);
  });
});

describe('statementAt', () => {
  const src = 'select 1;\nselect 2;\n\nselect 3';
  const stmts = splitStatements(src, 'postgres');
  it('finds the statement under the cursor', () => {
    expect(statementAt(stmts, 0)?.sql).toBe('select 1');
    expect(statementAt(stmts, src.indexOf('2'))?.sql).toBe('select 2');
    expect(statementAt(stmts, src.length)?.sql).toBe('select 3');
  });
  it('takes the statement just before when the cursor follows its semicolon', () => {
    expect(statementAt(stmts, src.indexOf(';') + 1)?.sql).toBe('select 1');
    expect(statementAt(stmts, src.indexOf('\n\n') + 1)?.sql).toBe('select 2');
  });
});

describe('lineAndColumn', () => {
  it('counts from 1', () => {
    expect(lineAndColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineAndColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});
