const READY_FOR_QUERY = 0x5a; // 'Z'
const READY_IDLE = 0x49; // 'I'

/**
 * Follows message boundaries in a stream of typed messages without keeping any of it: a
 * relay forwards a server's bytes as they come and only needs to know whether it may
 * inject a message of its own (a FATAL ErrorResponse) without cutting one in half, and
 * counts ReadyForQuery messages, so a session's end can tell whether the server has
 * answered everything it was asked and sits outside a transaction.
 * No length cap here: a server's DataRow may legitimately be hundreds of MiB.
 */
export class MessageBoundaryTracker {
  private readonly headerBytes = Buffer.alloc(5);
  private headerFill = 0;
  private bodyLeft = 0;
  /** A length below 4 means the stream cannot be followed any more. */
  private lost = false;
  /** The body being skipped is a ReadyForQuery's: its one byte is the transaction status. */
  private inReady = false;
  private readies = 0;
  private status = READY_IDLE;

  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length && !this.lost) {
      if (this.bodyLeft > 0) {
        if (this.inReady) {
          this.status = chunk[pos]!;
          this.inReady = false;
        }
        const step = Math.min(this.bodyLeft, chunk.length - pos);
        this.bodyLeft -= step;
        pos += step;
        continue;
      }
      // A whole header in this chunk (the usual case: a result set is many small DataRows
      // per chunk) is read where it lies, without copying it aside.
      if (this.headerFill === 0 && chunk.length - pos >= 5) {
        this.header(chunk[pos]!, chunk.readInt32BE(pos + 1));
        pos += 5;
        continue;
      }
      const step = Math.min(5 - this.headerFill, chunk.length - pos);
      chunk.copy(this.headerBytes, this.headerFill, pos, pos + step);
      this.headerFill += step;
      pos += step;
      if (this.headerFill < 5) continue;
      this.headerFill = 0;
      this.header(this.headerBytes[0]!, this.headerBytes.readInt32BE(1));
    }
  }

  private header(type: number, length: number): void {
    if (length < 4) {
      this.lost = true;
      return;
    }
    this.bodyLeft = length - 4;
    if (type === READY_FOR_QUERY && length === 5) {
      this.readies++;
      this.inReady = true;
    }
  }

  /** ReadyForQuery messages seen so far. */
  get readyCount(): number {
    return this.readies;
  }

  /** The transaction status of the latest ReadyForQuery ('I' before any): 'I' idle, 'T' in a transaction, 'E' in a failed one. */
  get lastStatus(): string {
    return String.fromCharCode(this.status);
  }

  /** True when the bytes so far end exactly at the end of a message. */
  get atBoundary(): boolean {
    return !this.lost && this.headerFill === 0 && this.bodyLeft === 0;
  }
}
