import type { AuditEventDraft } from '@postern/engine';
import { describe, expect, it } from 'vitest';
import { MAX_REMEMBERED, QueryAuditor } from '../../src/engine/query-auditor';
import { ProtocolError } from '../../src/index';
import { everySplit, hex } from '@postern/testing/bytes';
import { frontend } from '../protocol/samples';

function auditorWithLog(): { auditor: QueryAuditor; drafts: AuditEventDraft[] } {
  const drafts: AuditEventDraft[] = [];
  return { auditor: new QueryAuditor((d) => drafts.push(d)), drafts };
}

/** Parse (unnamed) of `sql`, hand-assembled: 'P', 4 + 1 + sql + NUL + 2 (no types). */
function parseUnnamed(sql: string): Buffer {
  const text = Buffer.from(`${sql}\0`);
  const out = Buffer.concat([hex('50 00000000 00'), text, hex('0000')]);
  out.writeInt32BE(out.length - 1, 1);
  return out;
}

/** Bind of the unnamed statement to portal `portal` with one text value. */
function bindUnnamed(portal: string, value: string): Buffer {
  const v = Buffer.from(value);
  const len = Buffer.alloc(4);
  len.writeInt32BE(v.length);
  const out = Buffer.concat([hex('42 00000000'), Buffer.from(`${portal}\0`), hex('00 0000 0001'), len, v, hex('0000')]);
  out.writeInt32BE(out.length - 1, 1);
  return out;
}

function execute(portal: string): Buffer {
  const out = Buffer.concat([hex('45 00000000'), Buffer.from(`${portal}\0`), hex('00000000')]);
  out.writeInt32BE(out.length - 1, 1);
  return out;
}

describe('QueryAuditor', () => {
  it('emits one event per simple Query, multi-statement or not', () => {
    const { auditor, drafts } = auditorWithLog();
    auditor.consume(frontend.query);
    auditor.consume(hex('51 00000017 73656c65637420313b2073656c6563742032 00')); // "select 1; select 2"
    expect(drafts).toEqual([
      { event: 'db.session.query', db_query: 'select 1' },
      { event: 'db.session.query', db_query: 'select 1; select 2' },
    ]);
  });

  it('emits Parse+Bind+Execute as one event with the SQL and the values as text', () => {
    const { auditor, drafts } = auditorWithLog();
    auditor.consume(Buffer.concat([frontend.parse, frontend.bind, frontend.describePortal, frontend.execute, frontend.sync]));
    expect(drafts).toEqual([{ event: 'db.session.query', db_query: 'select $1', db_query_parameters: ['42', '\\x00ff', 'NULL'] }]);
  });

  it('emits the same events however the stream is cut', () => {
    const stream = Buffer.concat([frontend.query, frontend.parse, frontend.bind, frontend.execute, frontend.sync, frontend.functionCall]);
    const expected = auditorWithLog();
    expected.auditor.consume(stream);
    expect(expected.drafts).toHaveLength(3);
    for (const [head, tail] of everySplit(stream)) {
      const { auditor, drafts } = auditorWithLog();
      auditor.consume(head);
      auditor.consume(tail);
      expect(drafts).toEqual(expected.drafts);
    }
  });

  it('audits a portal once even when it is fetched in several Executes', () => {
    const { auditor, drafts } = auditorWithLog();
    auditor.consume(Buffer.concat([parseUnnamed('select * from t'), bindUnnamed('c1', 'x'), execute('c1'), execute('c1'), execute('c1')]));
    expect(drafts).toHaveLength(1);
  });

  it('audits each execution of a reused prepared statement', () => {
    const { auditor, drafts } = auditorWithLog();
    auditor.consume(parseUnnamed('select $1'));
    for (const v of ['1', '2', '3']) auditor.consume(Buffer.concat([bindUnnamed('', v), execute(''), frontend.sync]));
    expect(drafts.map((d) => (d as { db_query_parameters: string[] }).db_query_parameters)).toEqual([['1'], ['2'], ['3']]);
  });

  it('still audits a portal executed in a later batch of the same transaction', () => {
    const { auditor, drafts } = auditorWithLog();
    auditor.consume(Buffer.concat([parseUnnamed('delete from t'), bindUnnamed('', 'x'), frontend.sync]));
    expect(drafts).toHaveLength(0);
    auditor.consume(Buffer.concat([execute(''), frontend.sync]));
    expect(drafts).toEqual([{ event: 'db.session.query', db_query: 'delete from t', db_query_parameters: ['x'] }]);
  });

  it('names a statement it never saw parsed (prepared in SQL)', () => {
    const { auditor, drafts } = auditorWithLog();
    // Bind portal "" to statement "stmt" with no values: 'B', 4 + 1 + 5 + 2 + 2 + 2 = 16
    auditor.consume(Buffer.concat([hex('42 00000010 00 73746d7400 0000 0000 0000'), execute('')]));
    expect(drafts).toEqual([{ event: 'db.session.query', db_query: 'EXECUTE "stmt" -- prepared outside Postern\'s view', db_query_parameters: [] }]);
  });

  it('forgets closed statements and bounds what it remembers', () => {
    const { auditor, drafts } = auditorWithLog();
    auditor.consume(Buffer.concat([frontend.parse, frontend.closeStatement, frontend.bind, frontend.execute]));
    expect(drafts[0]).toMatchObject({ db_query: 'EXECUTE "s1" -- prepared outside Postern\'s view' });
    const many = auditorWithLog();
    for (let i = 0; i <= MAX_REMEMBERED; i++) many.auditor.consume(bindUnnamed(`p${i}`, 'v'));
    many.auditor.consume(execute('p0')); // evicted: treated like a cursor, not audited twice
    many.auditor.consume(execute(`p${MAX_REMEMBERED}`));
    expect(many.drafts).toHaveLength(1);
  });

  it('emits FunctionCall by oid, and nothing for COPY data', () => {
    const { auditor, drafts } = auditorWithLog();
    auditor.consume(Buffer.concat([frontend.functionCall, frontend.copyData, frontend.copyData, frontend.copyDone, frontend.copyFail]));
    expect(drafts).toEqual([{ event: 'db.session.query', db_query: 'FunctionCall oid=1598', db_query_parameters: ['7'] }]);
  });

  it('reports boundaries and Terminate', () => {
    const { auditor } = auditorWithLog();
    auditor.consume(frontend.query.subarray(0, 4));
    expect(auditor.atBoundary).toBe(false);
    auditor.consume(frontend.query.subarray(4));
    expect(auditor.atBoundary).toBe(true);
    expect(auditor.sawTerminate).toBe(false);
    auditor.consume(frontend.terminate);
    expect(auditor.sawTerminate).toBe(true);
  });

  it('throws ProtocolError for an oversized declared length, and passes on what emit throws', () => {
    const { auditor } = auditorWithLog();
    expect(() => auditor.consume(hex('51 06400004'))).toThrow(ProtocolError);
    const failing = new QueryAuditor(() => {
      throw new Error('audit down');
    });
    expect(() => failing.consume(frontend.query)).toThrow('audit down');
  });
});
