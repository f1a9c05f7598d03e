import type { ParamType } from '../protocol/binary-values';
import { LAST_PREPARED_STATEMENT } from '../protocol/constants';
import type { StmtPrepareOk } from '../protocol/packets/stmt-prepare-ok';
import { describeBlob } from '../protocol/parameters';
import { MAX_PARAMETER_TEXT } from '../protocol/parameters';

/**
 * A client can prepare statements without end; the server bounds them by
 * max_prepared_stmt_count, we bound the SQL we remember. An evicted statement is still
 * audited, by id.
 */
export const MAX_REMEMBERED = 10_000;
/** Prepares sent and not yet answered; more means the answers are not what we think they are. */
const MAX_PENDING = 1_000;

export interface Statement {
  sql: string;
  /** Undefined until the server's COM_STMT_PREPARE_OK is seen. */
  statementId?: number;
  paramCount?: number;
  /** As the last execute that sent types bound them. */
  types?: ParamType[];
  /** COM_STMT_SEND_LONG_DATA since the last execute or reset, per parameter. */
  longData: Map<number, LongData>;
}

interface LongData {
  /** The first bytes, enough to describe the value; the rest only counts. */
  head: Buffer[];
  headBytes: number;
  totalBytes: number;
}

/**
 * Prepared statements as Postern sees them: SQL from the client's COM_STMT_PREPARE,
 * matched in order with the server's answers (statement id, parameter count), so that
 * COM_STMT_EXECUTE can be audited with its SQL and decoded parameters.
 */
export class StatementRegistry {
  private readonly byId = new Map<number, Statement>();
  private readonly pending: Statement[] = [];
  private lastPrepared: Statement | undefined;

  get awaitingAnswer(): boolean {
    return this.pending.length > 0;
  }

  prepareSent(sql: string): void {
    const statement: Statement = { sql, longData: new Map() };
    this.pending.push(statement);
    if (this.pending.length > MAX_PENDING) this.pending.shift();
    this.lastPrepared = statement;
  }

  /** The server answered the oldest unanswered prepare. */
  prepareAnswered(ok: StmtPrepareOk): void {
    const statement = this.pending.shift();
    if (!statement) return;
    statement.statementId = ok.statementId;
    statement.paramCount = ok.paramCount;
    this.byId.delete(ok.statementId);
    this.byId.set(ok.statementId, statement);
    if (this.byId.size > MAX_REMEMBERED) {
      const oldest = this.byId.keys().next();
      if (!oldest.done) this.byId.delete(oldest.value);
    }
  }

  /** The server refused the oldest unanswered prepare; MariaDB's statement id -1 then means nothing. */
  prepareFailed(): void {
    const statement = this.pending.shift();
    if (statement && statement === this.lastPrepared) this.lastPrepared = undefined;
  }

  /** The statement an execute, long data or reset names; -1 is MariaDB's "the one prepared last". */
  find(statementId: number): Statement | undefined {
    if (statementId === LAST_PREPARED_STATEMENT) return this.lastPrepared;
    return this.byId.get(statementId);
  }

  close(statementId: number): void {
    const statement = this.byId.get(statementId);
    this.byId.delete(statementId);
    if (statement && statement === this.lastPrepared) this.lastPrepared = undefined;
  }

  /** COM_RESET_CONNECTION: the server drops every prepared statement. */
  clear(): void {
    this.byId.clear();
    this.lastPrepared = undefined;
  }

  addLongData(statement: Statement, paramId: number, data: Buffer): void {
    let entry = statement.longData.get(paramId);
    if (!entry) {
      entry = { head: [], headBytes: 0, totalBytes: 0 };
      statement.longData.set(paramId, entry);
    }
    const room = MAX_PARAMETER_TEXT * 4 - entry.headBytes;
    if (room > 0) {
      const piece = Buffer.from(data.subarray(0, room));
      entry.head.push(piece);
      entry.headBytes += piece.length;
    }
    entry.totalBytes += data.length;
  }

  /** Descriptions of the parameters sent as long data, which an execute then consumes. */
  takeLongData(statement: Statement): Map<number, string> {
    const described = new Map<number, string>();
    for (const [paramId, entry] of statement.longData) described.set(paramId, describeBlob(Buffer.concat(entry.head), entry.totalBytes));
    statement.longData.clear();
    return described;
  }
}
