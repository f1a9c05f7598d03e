import { HEADER_LENGTH, MAX_PART_LENGTH, Marker } from '../protocol/constants';
import { parseStmtPrepareOk, STMT_PREPARE_OK_LENGTH } from '../protocol/packets/stmt-prepare-ok';
import type { StatementRegistry } from './statements';

/** Enough of a packet's start to read a COM_STMT_PREPARE_OK. */
const HEAD_LENGTH = 16;

/**
 * Follows the server's packets as they are relayed, keeping none of them: it knows whether
 * the stream is between packets (so Postern may answer the client itself without cutting
 * one in half), and it reads the answers to COM_STMT_PREPARE, which carry the statement
 * id and parameter count the client's later COM_STMT_EXECUTE relies on.
 *
 * A response starts with sequence id 1. While a prepare awaits its answer, the first
 * packet of that shape (0x00 and 12 or 13 bytes, or an ERR) is taken as the answer: a
 * client waits for it before sending anything else, unless it pipelines, in which case
 * an earlier command's short OK could be mistaken for it.
 */
export class ServerObserver {
  private readonly header = Buffer.alloc(HEADER_LENGTH);
  private headerFill = 0;
  private readonly head = Buffer.alloc(HEAD_LENGTH);
  private headFill = 0;
  private length = 0;
  private bodyLeft = 0;
  private sequenceId = 0;
  private first = true;
  private continuing = false;
  private inBody = false;
  /** Only the first packet of a response (sequence id 1) can answer a prepare: only its head is kept. */
  private wantHead = false;

  constructor(private readonly statements: StatementRegistry) {}

  /** True when the bytes so far end exactly at the end of a logical packet. */
  get atBoundary(): boolean {
    return !this.inBody && this.headerFill === 0 && !this.continuing;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.inBody) {
        const step = Math.min(this.bodyLeft, chunk.length - pos);
        if (this.wantHead && this.headFill < Math.min(HEAD_LENGTH, this.length)) {
          this.headFill += chunk.copy(this.head, this.headFill, pos, pos + Math.min(step, HEAD_LENGTH - this.headFill));
        }
        this.bodyLeft -= step;
        pos += step;
        if (this.bodyLeft === 0) this.endPacket();
        continue;
      }
      if (this.headerFill === 0 && chunk.length - pos >= HEADER_LENGTH) {
        // A whole header in this chunk (the usual case: many small rows per chunk) is
        // read where it lies, without copying it aside.
        this.length = chunk.readUIntLE(pos, 3);
        this.sequenceId = chunk[pos + 3]!;
        pos += HEADER_LENGTH;
      } else {
        const step = Math.min(HEADER_LENGTH - this.headerFill, chunk.length - pos);
        chunk.copy(this.header, this.headerFill, pos, pos + step);
        this.headerFill += step;
        pos += step;
        if (this.headerFill < HEADER_LENGTH) continue;
        this.headerFill = 0;
        this.length = this.header.readUIntLE(0, 3);
        this.sequenceId = this.header[3]!;
      }
      this.first = !this.continuing;
      this.wantHead = this.first && this.sequenceId === 1;
      this.continuing = this.length === MAX_PART_LENGTH;
      this.headFill = 0;
      this.bodyLeft = this.length;
      this.inBody = true;
      if (this.length === 0) this.endPacket();
    }
  }

  private endPacket(): void {
    this.inBody = false;
    if (!this.first || this.sequenceId !== 1 || !this.statements.awaitingAnswer) return;
    const head = this.head.subarray(0, this.headFill);
    if (head[0] === Marker.Err) {
      this.statements.prepareFailed();
    } else if (head[0] === Marker.Ok && (this.length === STMT_PREPARE_OK_LENGTH || this.length === STMT_PREPARE_OK_LENGTH + 1)) {
      this.statements.prepareAnswered(parseStmtPrepareOk(head));
    }
  }
}
