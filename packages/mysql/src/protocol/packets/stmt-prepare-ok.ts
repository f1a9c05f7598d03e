import { BufferReader } from '../buffer-reader';
import { BufferWriter } from '../buffer-writer';
import { Marker } from '../constants';
import { ProtocolError } from '../errors';

/** The first packet of a successful COM_STMT_PREPARE response; column and parameter definitions follow it. */
export interface StmtPrepareOk {
  statementId: number;
  columnCount: number;
  paramCount: number;
  warnings: number;
}

/** 0x00, statement id (4), columns (2), parameters (2), filler (1), warnings (2); MySQL 8 may add a metadata flag. */
export const STMT_PREPARE_OK_LENGTH = 12;
const MIN_LENGTH = 9;

export function parseStmtPrepareOk(payload: Buffer): StmtPrepareOk {
  const r = new BufferReader(payload, 'COM_STMT_PREPARE_OK');
  if (r.u8() !== Marker.Ok) throw new ProtocolError('a COM_STMT_PREPARE_OK must start with 0x00');
  if (payload.length < MIN_LENGTH) throw new ProtocolError('COM_STMT_PREPARE_OK is truncated');
  const statementId = r.u32();
  const columnCount = r.u16();
  const paramCount = r.u16();
  let warnings = 0;
  if (r.remaining >= 3) {
    r.skip(1);
    warnings = r.u16();
  }
  return { statementId, columnCount, paramCount, warnings };
}

export function buildStmtPrepareOk(ok: StmtPrepareOk): Buffer {
  return new BufferWriter(STMT_PREPARE_OK_LENGTH)
    .u8(Marker.Ok)
    .u32(ok.statementId)
    .u16(ok.columnCount)
    .u16(ok.paramCount)
    .u8(0)
    .u16(ok.warnings)
    .payload();
}
