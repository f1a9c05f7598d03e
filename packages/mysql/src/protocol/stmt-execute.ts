import { BufferReader } from './buffer-reader';
import { readBinaryValue } from './binary-values';
import type { ParamType } from './binary-values';
import { FieldType, UNSIGNED_FLAG } from './constants';
import { ProtocolError } from './errors';

export interface ExecuteParameters {
  /** The types in force: sent with this execute, or remembered from an earlier one. */
  types: ParamType[];
  /** Whether this execute sent them (new-params-bound flag): the statement's types change from here on. */
  typesSent: boolean;
  /** One text per parameter, for the audit log. */
  values: string[];
}

/**
 * Decodes the parameters of a COM_STMT_EXECUTE (what follows its iteration count): the
 * NULL bitmap, the new-params-bound flag with the types, and the values of the binary
 * protocol. `paramCount` comes from the server's COM_STMT_PREPARE_OK; `previousTypes`
 * from the statement's last execute that sent them. Parameters sent by
 * COM_STMT_SEND_LONG_DATA have no value here; `longData` describes them. Throws
 * ProtocolError when the bytes do not fit.
 */
export function decodeExecuteParameters(
  params: Buffer,
  paramCount: number,
  previousTypes?: readonly ParamType[],
  longData?: ReadonlyMap<number, string>,
): ExecuteParameters {
  return decode(params, paramCount, previousTypes, longData).result;
}

/**
 * The parameter count of an execute whose statement's COM_STMT_PREPARE_OK has not been
 * seen: MariaDB clients pipeline PREPARE and EXECUTE (statement id -1) without waiting for
 * it. The first execute of a statement sends its types, so the count is the one for which
 * bitmap, types and values use up the packet exactly. Undefined when none does.
 */
export function inferParameterCount(params: Buffer, limit = 1024): number | undefined {
  if (params.length === 0) return 0;
  // Each parameter costs at least two type bytes, plus the bitmap and the flag.
  const most = Math.min(limit, Math.floor((params.length - 1) / 2));
  for (let n = 1; n <= most; n++) {
    try {
      const { result, reader } = decode(params, n, undefined, undefined);
      if (result.typesSent && reader.remaining === 0) return n;
    } catch {
      // Not this count.
    }
  }
  return undefined;
}

function decode(
  params: Buffer,
  paramCount: number,
  previousTypes: readonly ParamType[] | undefined,
  longData: ReadonlyMap<number, string> | undefined,
): { result: ExecuteParameters; reader: BufferReader } {
  const r = new BufferReader(params, 'COM_STMT_EXECUTE');
  if (paramCount === 0) return { result: { types: [], typesSent: false, values: [] }, reader: r };
  const nullBitmap = r.bytes((paramCount + 7) >> 3);
  const typesSent = r.u8() === 1;
  let types: ParamType[];
  if (typesSent) {
    types = [];
    for (let i = 0; i < paramCount; i++) {
      const type = r.u8();
      types.push({ type, unsigned: (r.u8() & UNSIGNED_FLAG) !== 0 });
    }
  } else {
    if (!previousTypes || previousTypes.length !== paramCount) {
      throw new ProtocolError('COM_STMT_EXECUTE relies on parameter types that were never sent');
    }
    types = [...previousTypes];
  }
  const values: string[] = [];
  for (let i = 0; i < paramCount; i++) {
    const sentLong = longData?.get(i);
    if (sentLong !== undefined) values.push(sentLong);
    else if (nullBitmap[i >> 3]! & (1 << (i & 7)) || types[i]!.type === FieldType.Null) values.push('NULL');
    else values.push(readBinaryValue(r, types[i]!));
  }
  return { result: { types, typesSent, values }, reader: r };
}
