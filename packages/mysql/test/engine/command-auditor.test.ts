import type { AuditEventDraft } from '@postern/engine';
import { describe, expect, it } from 'vitest';
import { CHANGE_USER_REFUSED_MESSAGE, ProtocolError } from '../../src/index';
import { CommandAuditor } from '../../src/engine/command-auditor';
import { ServerObserver } from '../../src/engine/server-observer';
import { StatementRegistry } from '../../src/engine/statements';
import { everySplit, hex } from '@postern/testing/bytes';
import { errFields } from '../helpers/wire-client';
import { commands, packet, server } from '../protocol/samples';

function setup(opts: { maxPacketLength?: number } = {}) {
  const drafts: AuditEventDraft[] = [];
  const statements = new StatementRegistry();
  const auditor = new CommandAuditor((d) => drafts.push(d), statements, opts);
  const observer = new ServerObserver(statements);
  const forwarded: Buffer[] = [];
  const replies: Buffer[] = [];
  const send = (bytes: Buffer): void => {
    const result = auditor.consume(bytes);
    forwarded.push(...result.forward);
    replies.push(...result.replies);
  };
  return { drafts, auditor, observer, forwarded: () => Buffer.concat(forwarded), replies, send };
}

const query = (sql: string): Buffer => packet(Buffer.concat([hex('03'), Buffer.from(sql)]), 0);

describe('CommandAuditor', () => {
  it('audits a COM_QUERY when its last byte is in, and forwards the original bytes', () => {
    const bytes = query('select 1; select 2');
    for (const [head, tail] of everySplit(bytes)) {
      const t = setup();
      t.send(head);
      if (head.length < bytes.length) expect(t.drafts).toEqual([]);
      t.send(tail);
      expect(t.drafts).toEqual([{ event: 'db.session.query', db_query: 'select 1; select 2' }]);
      expect(t.forwarded()).toEqual(bytes);
    }
  });

  it('audits COM_INIT_DB with the schema name', () => {
    const t = setup();
    t.send(packet(commands.initDb, 0));
    expect(t.drafts).toEqual([{ event: 'db.session.mysql.init_db', schema_name: 'otherdb' }]);
  });

  it('reassembles a 20 MiB COM_QUERY for the audit but forwards its parts as they come', () => {
    const t = setup();
    const sql = `insert into t values ('${'y'.repeat(20 * 1024 * 1024)}')`;
    const payload = Buffer.concat([hex('03'), Buffer.from(sql)]);
    const first = packet(payload.subarray(0, 0xffffff), 0);
    const second = packet(payload.subarray(0xffffff), 1);
    t.send(first);
    expect(t.drafts).toEqual([]);
    // The first part is on its way; the server cannot run the query before the second.
    expect(t.forwarded().equals(first)).toBe(true);
    t.send(second);
    expect(t.drafts).toHaveLength(1);
    expect((t.drafts[0] as { db_query: string }).db_query === sql).toBe(true);
    expect(t.forwarded().equals(Buffer.concat([first, second]))).toBe(true);
  });

  it('withholds COM_CHANGE_USER and answers it with ERR 1045 at sequence 1', () => {
    const t = setup();
    const ping = packet(commands.ping, 0);
    t.send(Buffer.concat([packet(commands.changeUser, 0), ping]));
    expect(t.forwarded()).toEqual(ping);
    expect(t.replies).toHaveLength(1);
    expect(t.replies[0]!.subarray(0, 4)).toEqual(hex(`${(t.replies[0]!.length - 4).toString(16).padStart(2, '0')}0000 01`));
    expect(errFields(t.replies[0]!.subarray(4))).toEqual({ code: 1045, sqlState: '28000', message: CHANGE_USER_REFUSED_MESSAGE });
    expect(t.drafts).toEqual([]);
  });

  it('withholds a COM_CHANGE_USER whose header arrived alone', () => {
    const t = setup();
    const bytes = packet(commands.changeUser, 0);
    for (let i = 0; i < bytes.length; i++) t.send(bytes.subarray(i, i + 1));
    expect(t.forwarded()).toEqual(Buffer.alloc(0));
    expect(t.replies).toHaveLength(1);
  });

  it('forwards a LOCAL INFILE file unread, through sequence ids that wrap to 0', () => {
    const t = setup();
    t.send(query("load data local infile 'f' into table t"));
    // The server's 0xfb request was sequence 1; the file goes from 2, wrapping past 255.
    // Its bytes look like commands (0x03 COM_QUERY, 0x11 COM_CHANGE_USER) on purpose.
    const file: Buffer[] = [];
    for (let i = 0; i < 300; i++) file.push(packet(hex(i % 2 ? '03 73656c656374' : '11 726f6f7400'), (2 + i) % 256));
    file.push(packet(Buffer.alloc(0), (2 + 300) % 256));
    t.send(Buffer.concat(file));
    expect(t.forwarded().subarray(-Buffer.concat(file).length)).toEqual(Buffer.concat(file));
    expect(t.replies).toEqual([]);
    expect(t.drafts).toHaveLength(1);
    // After the empty packet, commands again.
    t.send(query('select 2'));
    expect(t.drafts.at(-1)).toEqual({ event: 'db.session.query', db_query: 'select 2' });
  });

  it('audits COM_STMT_EXECUTE with the prepared SQL and decoded parameters, and remembers types', () => {
    const t = setup();
    t.send(packet(commands.prepare, 0));
    expect(t.drafts).toEqual([]);
    t.observer.push(packet(server.prepareOk, 1));
    t.send(packet(commands.execute, 0));
    // Again without types: bitmap 00, not bound, 2 and "x"
    t.send(packet(hex('17 01000000 00 01000000 00 00 0200000000000000 0178'), 0));
    expect(t.drafts).toEqual([
      { event: 'db.session.query', db_query: 'select ? + ?', db_query_parameters: ['1', 'abc'] },
      { event: 'db.session.query', db_query: 'select ? + ?', db_query_parameters: ['2', 'x'] },
    ]);
    t.send(packet(commands.close, 0));
    t.send(packet(commands.execute, 0));
    expect(t.drafts.at(-1)).toEqual({
      event: 'db.session.query',
      db_query: "EXECUTE statement 1 -- prepared outside Postern's view",
      db_query_parameters: ['1', 'abc'],
    });
  });

  it('audits long data sent for a parameter before the execute', () => {
    const t = setup();
    t.send(packet(commands.prepare, 0));
    t.observer.push(packet(server.prepareOk, 1));
    t.send(packet(commands.sendLongData, 0));
    t.send(packet(hex('18 01000000 0100 2c20776f726c64'), 0)); // ", world"
    // Parameter 1's value is not in the packet: LONGLONG 5, then nothing.
    t.send(packet(hex('17 01000000 00 01000000 00 01 0800 fc00 0500000000000000'), 0));
    expect(t.drafts).toEqual([{ event: 'db.session.query', db_query: 'select ? + ?', db_query_parameters: ['5', 'hello, world'] }]);
  });

  it("follows MariaDB's pipelined PREPARE + EXECUTE of statement -1", () => {
    const t = setup();
    const execute = hex('17 ffffffff 00 01000000 | 00 01 0300 | 2a000000');
    t.send(Buffer.concat([packet(hex('16 73656c656374203f'), 0), packet(execute, 0)]));
    expect(t.drafts).toEqual([{ event: 'db.session.query', db_query: 'select ?', db_query_parameters: ['42'] }]);
  });

  it('says so when parameters cannot be decoded, and still audits the statement', () => {
    const t = setup();
    t.send(packet(commands.prepare, 0));
    t.observer.push(packet(server.prepareOk, 1));
    t.send(packet(hex('17 01000000 00 01000000 00 01 2000 2000 00'), 0));
    expect(t.drafts).toEqual([{ event: 'db.session.query', db_query: 'select ? + ?', db_query_parameters: ['(parameters not decoded: parameter type 0x20 is unknown)'] }]);
  });

  it('forwards unknown commands untouched and audits nothing for them', () => {
    const t = setup();
    const bytes = Buffer.concat([packet(commands.setOption, 0), packet(commands.ping, 0), packet(hex('ee 010203'), 0)]);
    t.send(bytes);
    expect(t.forwarded()).toEqual(bytes);
    expect(t.drafts).toEqual([]);
  });

  it('lets a throwing emit stop the chunk', () => {
    const statements = new StatementRegistry();
    const auditor = new CommandAuditor(() => {
      throw new Error('audit down');
    }, statements);
    expect(() => auditor.consume(query('delete from t'))).toThrow('audit down');
  });

  it('refuses a packet over the cap with a ProtocolError', () => {
    const t = setup({ maxPacketLength: 8 });
    expect(() => t.send(query('select 12345'))).toThrow(ProtocolError);
  });

  it('knows where packets end, who quit, and which sequence id answers', () => {
    const t = setup();
    t.send(query('select 1').subarray(0, 6));
    expect(t.auditor.atBoundary).toBe(false);
    t.send(query('select 1').subarray(6));
    expect(t.auditor.atBoundary).toBe(true);
    expect(t.auditor.replySequenceId).toBe(1);
    expect(t.auditor.sawQuit).toBe(false);
    t.send(packet(commands.quit, 0));
    expect(t.auditor.sawQuit).toBe(true);
  });
});

describe('ServerObserver', () => {
  it('knows packet boundaries whatever the chunking', () => {
    const stream = Buffer.concat([packet(server.ok, 1), packet(Buffer.alloc(0), 2), packet(server.eof, 3)]);
    for (const [head, tail] of everySplit(stream)) {
      const t = setup();
      t.observer.push(head);
      const atEnd = [0, 11, 15, stream.length].includes(head.length);
      expect(t.observer.atBoundary).toBe(atEnd);
      t.observer.push(tail);
      expect(t.observer.atBoundary).toBe(true);
    }
  });

  it('matches prepares with their answers in order, an ERR answer included', () => {
    const t = setup();
    t.send(Buffer.concat([packet(hex('16 626164'), 0)]));
    t.observer.push(packet(server.err, 1));
    t.send(packet(commands.prepare, 0));
    // Split inside the answer, at every byte.
    const answer = packet(server.prepareOk, 1);
    for (let i = 0; i < answer.length; i++) t.observer.push(answer.subarray(i, i + 1));
    t.send(packet(commands.execute, 0));
    expect(t.drafts).toEqual([{ event: 'db.session.query', db_query: 'select ? + ?', db_query_parameters: ['1', 'abc'] }]);
  });
});
