import type { BufferReader } from './buffer-reader';
import { FieldType } from './constants';
import { ProtocolError } from './errors';
import { describeBlob, describeHex, describeText } from './parameters';

/** One parameter's type as COM_STMT_EXECUTE binds it. */
export interface ParamType {
  type: number;
  unsigned: boolean;
}

type Decoder = (r: BufferReader, unsigned: boolean) => string;

const lenencText: Decoder = (r) => describeText(r.lenencBytes());
const lenencBlob: Decoder = (r) => describeBlob(r.lenencBytes());
const lenencHex: Decoder = (r) => describeHex(r.lenencBytes());

/**
 * Binary-protocol values rendered as the text an auditor reads: integers in decimal
 * (unsigned when flagged), floats in their shortest exact form, dates and times as SQL
 * literals without quotes, character data as UTF-8, and bytes that are not text as hex.
 */
const DECODERS: Readonly<Record<number, Decoder>> = {
  [FieldType.Tiny]: (r, unsigned) => {
    const v = r.u8();
    return String(unsigned ? v : (v << 24) >> 24);
  },
  [FieldType.Short]: int16,
  [FieldType.Year]: int16,
  [FieldType.Long]: int32,
  [FieldType.Int24]: int32,
  [FieldType.LongLong]: (r, unsigned) => {
    const v = r.u64();
    return String(unsigned ? v : BigInt.asIntN(64, v));
  },
  [FieldType.Float]: (r) => shortestFloat32(r.bytes(4).readFloatLE(0)),
  [FieldType.Double]: (r) => String(r.bytes(8).readDoubleLE(0)),
  [FieldType.Null]: () => 'NULL',
  [FieldType.Date]: dateTime,
  [FieldType.NewDate]: dateTime,
  [FieldType.DateTime]: dateTime,
  [FieldType.DateTime2]: dateTime,
  [FieldType.Timestamp]: dateTime,
  [FieldType.Timestamp2]: dateTime,
  [FieldType.Time]: time,
  [FieldType.Time2]: time,
  [FieldType.Decimal]: lenencText,
  [FieldType.NewDecimal]: lenencText,
  [FieldType.VarChar]: lenencText,
  [FieldType.VarString]: lenencText,
  [FieldType.String]: lenencText,
  [FieldType.Enum]: lenencText,
  [FieldType.Set]: lenencText,
  [FieldType.Json]: lenencText,
  [FieldType.TinyBlob]: lenencBlob,
  [FieldType.MediumBlob]: lenencBlob,
  [FieldType.LongBlob]: lenencBlob,
  [FieldType.Blob]: lenencBlob,
  [FieldType.Bit]: lenencHex,
  [FieldType.Geometry]: lenencHex,
};

/** Reads one non-NULL value of the given type; ProtocolError for an unknown type or a short packet. */
export function readBinaryValue(r: BufferReader, param: ParamType): string {
  const decoder = DECODERS[param.type];
  if (!decoder) throw new ProtocolError(`parameter type 0x${param.type.toString(16)} is unknown`);
  return decoder(r, param.unsigned);
}

function int16(r: BufferReader, unsigned: boolean): string {
  const v = r.u16();
  return String(unsigned ? v : (v << 16) >> 16);
}

function int32(r: BufferReader, unsigned: boolean): string {
  const v = r.u32();
  return String(unsigned ? v : v | 0);
}

/** The fewest digits that read back as the same float32, as MySQL prints a FLOAT. */
function shortestFloat32(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(v.toPrecision(digits));
    if (Math.fround(candidate) === v) return String(candidate);
  }
  return String(v);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** DATE, DATETIME, TIMESTAMP: a length (0, 4, 7 or 11), then the parts that are not zero. */
function dateTime(r: BufferReader): string {
  const length = r.u8();
  if (![0, 4, 7, 11].includes(length)) throw new ProtocolError(`a date value of ${length} bytes`);
  if (length === 0) return '0000-00-00 00:00:00';
  const date = `${pad(r.u16(), 4)}-${pad(r.u8())}-${pad(r.u8())}`;
  if (length === 4) return date;
  const clock = `${pad(r.u8())}:${pad(r.u8())}:${pad(r.u8())}`;
  if (length === 7) return `${date} ${clock}`;
  return `${date} ${clock}.${pad(r.u32(), 6)}`;
}

/** TIME: a length (0, 8 or 12), sign, days, hours, minutes, seconds[, microseconds]; days fold into hours as MySQL prints them. */
function time(r: BufferReader): string {
  const length = r.u8();
  if (![0, 8, 12].includes(length)) throw new ProtocolError(`a time value of ${length} bytes`);
  if (length === 0) return '00:00:00';
  const negative = r.u8() === 1;
  const hours = r.u32() * 24 + r.u8();
  const clock = `${negative ? '-' : ''}${pad(hours)}:${pad(r.u8())}:${pad(r.u8())}`;
  return length === 8 ? clock : `${clock}.${pad(r.u32(), 6)}`;
}
