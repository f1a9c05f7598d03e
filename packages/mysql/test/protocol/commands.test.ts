import { describe, expect, it } from 'vitest';
import { buildCommand, commandName, decodeExecuteParameters, inferParameterCount, MAX_PARAMETER_TEXT, parseCommand, ProtocolError } from '../../src/index';
import { hex } from '@postern/testing/bytes';
import { commands } from './samples';

describe('parseCommand', () => {
  it('dispatches by command byte', () => {
    expect(parseCommand(commands.query)).toEqual({ type: 'query', sql: 'select 1' });
    expect(parseCommand(commands.initDb)).toEqual({ type: 'initDb', schema: 'otherdb' });
    expect(parseCommand(commands.prepare)).toEqual({ type: 'stmtPrepare', sql: 'select ? + ?' });
    expect(parseCommand(commands.execute)).toEqual({
      type: 'stmtExecute',
      statementId: 1,
      flags: 0,
      iterationCount: 1,
      params: hex('00 01 0800 fd00 0100000000000000 03616263'),
    });
    expect(parseCommand(commands.sendLongData)).toEqual({ type: 'stmtSendLongData', statementId: 1, paramId: 1, data: Buffer.from('hello') });
    expect(parseCommand(commands.close)).toEqual({ type: 'stmtClose', statementId: 1 });
    expect(parseCommand(commands.reset)).toEqual({ type: 'stmtReset', statementId: 1 });
    expect(parseCommand(commands.changeUser)).toEqual({ type: 'changeUser', user: 'root' });
    expect(parseCommand(commands.quit)).toEqual({ type: 'quit' });
    expect(parseCommand(commands.ping)).toEqual({ type: 'ping' });
    expect(parseCommand(commands.resetConnection)).toEqual({ type: 'resetConnection' });
  });

  it('keeps unknown commands and an empty packet as raw bytes', () => {
    expect(parseCommand(commands.setOption)).toEqual({ type: 'unknown', code: 0x1b, payload: commands.setOption });
    expect(parseCommand(hex('ee 0102'))).toEqual({ type: 'unknown', code: 0xee, payload: hex('ee 0102') });
    expect(parseCommand(Buffer.alloc(0))).toEqual({ type: 'unknown', code: undefined, payload: Buffer.alloc(0) });
  });

  it('reports a known command cut short as a ProtocolError naming it', () => {
    expect(() => parseCommand(hex('19 0100'))).toThrow(ProtocolError);
    expect(() => parseCommand(hex('19 0100'))).toThrow(/COM_STMT_CLOSE packet is truncated/);
    expect(() => parseCommand(hex('17 01000000'))).toThrow(/COM_STMT_EXECUTE/);
  });

  it('builds the commands Postern sends', () => {
    expect(buildCommand.query('select 1')).toEqual(commands.query);
    expect(buildCommand.initDb('otherdb')).toEqual(commands.initDb);
    expect(buildCommand.stmtPrepare('select ? + ?')).toEqual(commands.prepare);
    expect(buildCommand.stmtClose(1)).toEqual(commands.close);
    expect(buildCommand.quit()).toEqual(commands.quit);
    expect(commandName(0x17)).toBe('COM_STMT_EXECUTE');
    expect(commandName(0x99)).toBe('command 0x99');
  });
});

/** One parameter bound with its type and flag, not NULL: bitmap 00, types sent. */
function one(type: string, value: string): Buffer {
  return hex(`00 01 ${type} ${value}`);
}

describe('decodeExecuteParameters', () => {
  it('decodes the sample: a LONGLONG and a VAR_STRING', () => {
    const { params } = parseCommand(commands.execute) as { params: Buffer };
    expect(decodeExecuteParameters(params, 2)).toEqual({
      types: [
        { type: 0x08, unsigned: false },
        { type: 0xfd, unsigned: false },
      ],
      typesSent: true,
      values: ['1', 'abc'],
    });
  });

  it.each([
    ['TINY signed', '0100', 'ff', '-1'],
    ['TINY unsigned', '0180', 'ff', '255'],
    ['SHORT', '0200', 'feff', '-2'],
    ['YEAR', '0d80', 'e807', '2024'],
    ['LONG signed', '0300', 'ffffffff', '-1'],
    ['LONG unsigned', '0380', 'ffffffff', '4294967295'],
    ['INT24', '0900', '39300000', '12345'],
    ['LONGLONG signed', '0800', 'feffffffffffffff', '-2'],
    ['LONGLONG unsigned', '0880', 'ffffffffffffffff', '18446744073709551615'],
    ['FLOAT 1.5', '0400', '0000c03f', '1.5'],
    ['FLOAT 0.1 (shortest form of the float32)', '0400', 'cdcccc3d', '0.1'],
    ['DOUBLE 0.1', '0500', '9a9999999999b93f', '0.1'],
    ['DOUBLE -2.5', '0500', '00000000000004c0', '-2.5'],
    ['NEWDECIMAL', 'f600', '04312e3530', '1.50'],
    ['DECIMAL', '0000', '022d31', '-1'],
    ['DATE', '0a00', '04 e807 02 1d', '2024-02-29'],
    ['DATETIME', '0c00', '07 e807 02 1d 0d 2a 05', '2024-02-29 13:42:05'],
    ['DATETIME with microseconds', '0c00', '0b e807 02 1d 0d 2a 05 40e20100', '2024-02-29 13:42:05.123456'],
    ['TIMESTAMP zero', '0700', '00', '0000-00-00 00:00:00'],
    ['TIME negative with a day', '0b00', '08 01 01000000 02 03 04', '-26:03:04'],
    ['TIME with microseconds', '0b00', '0c 00 00000000 0d 2a 05 40e20100', '13:42:05.123456'],
    ['TIME zero', '0b00', '00', '00:00:00'],
    ['VARCHAR (UTF-8)', '0f00', '06 68c3a96c6c6f', 'héllo'],
    ['STRING', 'fe00', '00', ''],
    ['JSON', 'f500', '07 7b2261223a317d', '{"a":1}'],
    ['BLOB that is text', 'fc00', '03 616263', 'abc'],
    ['BLOB that is not text', 'fc00', '03 00ff01', '\\x00ff01'],
    ['LONG_BLOB, long length form', 'fb00', 'fc0300 78797a', 'xyz'],
    ['BIT', '1000', '01 05', '\\x05'],
    ['GEOMETRY', 'ff00', '02 0102', '\\x0102'],
    ['NULL type', '0600', '', 'NULL'],
  ])('%s', (_name, type, value, expected) => {
    expect(decodeExecuteParameters(one(type, value), 1).values).toEqual([expected]);
  });

  it('reads the NULL bitmap, bit by bit across bytes', () => {
    // 9 TINY parameters, the 1st and the 9th NULL: bitmap 01 01; values only for the 7 others.
    const types = '0100'.repeat(9);
    const params = hex(`01 01 01 ${types} 02 03 04 05 06 07 08`);
    expect(decodeExecuteParameters(params, 9).values).toEqual(['NULL', '2', '3', '4', '5', '6', '7', '8', 'NULL']);
  });

  it('uses the types of an earlier execute when none are sent, and refuses when there were none', () => {
    const first = decodeExecuteParameters(one('0300', '07000000'), 1);
    expect(decodeExecuteParameters(hex('00 00 08000000'), 1, first.types)).toEqual({ types: first.types, typesSent: false, values: ['8'] });
    expect(() => decodeExecuteParameters(hex('00 00 08000000'), 1)).toThrow(/never sent/);
  });

  it('takes values sent as long data from elsewhere, and none from the packet', () => {
    // Parameter 0 was sent with COM_STMT_SEND_LONG_DATA; parameter 1 is a TINY.
    const params = hex('00 01 fc00 0100 09');
    expect(decodeExecuteParameters(params, 2, undefined, new Map([[0, 'long text']])).values).toEqual(['long text', '9']);
  });

  it('cuts long values and says how long they were', () => {
    const text = Buffer.alloc(MAX_PARAMETER_TEXT + 10, 'x');
    const lenenc = hex('fd'); // 3-byte length
    const length = Buffer.alloc(3);
    length.writeUIntLE(text.length, 0, 3);
    const [value] = decodeExecuteParameters(Buffer.concat([hex('00 01 fd00'), lenenc, length, text]), 1).values;
    expect(value).toBe(`${'x'.repeat(MAX_PARAMETER_TEXT)}… (${text.length} bytes)`);
  });

  it('reports short values and unknown types as ProtocolError', () => {
    expect(() => decodeExecuteParameters(one('0300', '0700'), 1)).toThrow(ProtocolError);
    expect(() => decodeExecuteParameters(one('0a00', '05 e807 02 1d 00'), 1)).toThrow(/date value of 5 bytes/);
    expect(() => decodeExecuteParameters(one('2000', '00'), 1)).toThrow(/type 0x20 is unknown/);
  });
});

describe('inferParameterCount', () => {
  it('finds the count for which a first execute uses up its bytes', () => {
    const { params } = parseCommand(commands.execute) as { params: Buffer };
    expect(inferParameterCount(params)).toBe(2);
    expect(inferParameterCount(Buffer.alloc(0))).toBe(0);
    expect(inferParameterCount(one('0300', '07000000'))).toBe(1);
  });

  it('gives up on bytes that fit no count', () => {
    expect(inferParameterCount(hex('00 00 0102'))).toBeUndefined();
  });
});
