import { BufferReader } from './buffer-reader';
import { FrontendCode } from './codes';
import { ProtocolError } from './errors';
import type { Frame } from './framer';

/** A parameter or argument value: bytes, or null for SQL NULL (length -1 on the wire). */
export type WireValue = Buffer | null;

export type FrontendMessage =
  | { type: 'query'; sql: string }
  | { type: 'parse'; statement: string; sql: string; parameterTypes: number[] }
  | {
      type: 'bind';
      portal: string;
      statement: string;
      /** 0 = text, 1 = binary; none means all text, one applies to all. */
      parameterFormats: number[];
      parameters: WireValue[];
      resultFormats: number[];
    }
  | { type: 'execute'; portal: string; maxRows: number }
  | { type: 'close'; target: 'statement' | 'portal'; name: string }
  | { type: 'describe'; target: 'statement' | 'portal'; name: string }
  | { type: 'sync' }
  | { type: 'flush' }
  | { type: 'terminate' }
  | { type: 'functionCall'; oid: number; argumentFormats: number[]; arguments: WireValue[]; resultFormat: number }
  | { type: 'copyData'; data: Buffer }
  | { type: 'copyDone' }
  | { type: 'copyFail'; message: string }
  /** Kept, not dropped: a relay forwards what it does not understand and lets the server judge. */
  | { type: 'unknown'; code: number; body: Buffer };

/** Parses one typed message from a client. Throws ProtocolError only. */
export function parseFrontendMessage(frame: Frame): FrontendMessage {
  const { code, body } = frame;
  switch (code) {
    case FrontendCode.Query:
      return { type: 'query', sql: new BufferReader(body, 'Query').cstring() };
    case FrontendCode.Parse:
      return parseParse(new BufferReader(body, 'Parse'));
    case FrontendCode.Bind:
      return parseBind(new BufferReader(body, 'Bind'));
    case FrontendCode.Execute: {
      const r = new BufferReader(body, 'Execute');
      return { type: 'execute', portal: r.cstring(), maxRows: r.int32() };
    }
    case FrontendCode.Close: {
      const r = new BufferReader(body, 'Close');
      return { type: 'close', target: readTarget(r, 'Close'), name: r.cstring() };
    }
    case FrontendCode.Describe: {
      const r = new BufferReader(body, 'Describe');
      return { type: 'describe', target: readTarget(r, 'Describe'), name: r.cstring() };
    }
    case FrontendCode.Sync:
      return { type: 'sync' };
    case FrontendCode.Flush:
      return { type: 'flush' };
    case FrontendCode.Terminate:
      return { type: 'terminate' };
    case FrontendCode.FunctionCall:
      return parseFunctionCall(new BufferReader(body, 'FunctionCall'));
    case FrontendCode.CopyData:
      return { type: 'copyData', data: body };
    case FrontendCode.CopyDone:
      return { type: 'copyDone' };
    case FrontendCode.CopyFail:
      return { type: 'copyFail', message: new BufferReader(body, 'CopyFail').cstring() };
    default:
      return { type: 'unknown', code, body };
  }
}

function parseParse(r: BufferReader): FrontendMessage {
  const statement = r.cstring();
  const sql = r.cstring();
  const count = r.uint16();
  const parameterTypes: number[] = [];
  for (let i = 0; i < count; i++) parameterTypes.push(r.uint32());
  return { type: 'parse', statement, sql, parameterTypes };
}

function parseBind(r: BufferReader): FrontendMessage {
  const portal = r.cstring();
  const statement = r.cstring();
  const parameterFormats = readInt16List(r);
  const parameters = readValues(r, 'Bind');
  const resultFormats = readInt16List(r);
  return { type: 'bind', portal, statement, parameterFormats, parameters, resultFormats };
}

function parseFunctionCall(r: BufferReader): FrontendMessage {
  const oid = r.uint32();
  const argumentFormats = readInt16List(r);
  const args = readValues(r, 'FunctionCall');
  const resultFormat = r.int16();
  return { type: 'functionCall', oid, argumentFormats, arguments: args, resultFormat };
}

function readTarget(r: BufferReader, what: string): 'statement' | 'portal' {
  const target = r.u8();
  if (target === 0x53) return 'statement'; // 'S'
  if (target === 0x50) return 'portal'; // 'P'
  throw new ProtocolError(`${what} message is malformed: target must be 'S' or 'P'`);
}

function readInt16List(r: BufferReader): number[] {
  const count = r.uint16();
  const list: number[] = [];
  for (let i = 0; i < count; i++) list.push(r.int16());
  return list;
}

function readValues(r: BufferReader, what: string): WireValue[] {
  const count = r.uint16();
  const values: WireValue[] = [];
  for (let i = 0; i < count; i++) {
    const length = r.int32();
    if (length === -1) values.push(null);
    else if (length < 0) throw new ProtocolError(`${what} message is malformed: value length ${length}`);
    else values.push(r.bytes(length));
  }
  return values;
}
