/**
 * Follows message boundaries in a stream of typed messages without keeping any of it: a
 * relay forwards a server's bytes as they come and only needs to know whether it may
 * inject a message of its own (a FATAL ErrorResponse) without cutting one in half.
 * No length cap here: a server's DataRow may legitimately be hundreds of MiB.
 */
export class MessageBoundaryTracker {
  private readonly header = Buffer.alloc(5);
  private headerFill = 0;
  private bodyLeft = 0;
  /** A length below 4 means the stream cannot be followed any more. */
  private lost = false;

  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length && !this.lost) {
      if (this.bodyLeft > 0) {
        const step = Math.min(this.bodyLeft, chunk.length - pos);
        this.bodyLeft -= step;
        pos += step;
        continue;
      }
      // A whole header in this chunk (the usual case: a result set is many small DataRows
      // per chunk) is read where it lies, without copying it aside.
      if (this.headerFill === 0 && chunk.length - pos >= 5) {
        const length = chunk.readInt32BE(pos + 1);
        pos += 5;
        if (length < 4) this.lost = true;
        else this.bodyLeft = length - 4;
        continue;
      }
      const step = Math.min(5 - this.headerFill, chunk.length - pos);
      chunk.copy(this.header, this.headerFill, pos, pos + step);
      this.headerFill += step;
      pos += step;
      if (this.headerFill < 5) continue;
      const length = this.header.readInt32BE(1);
      this.headerFill = 0;
      if (length < 4) this.lost = true;
      else this.bodyLeft = length - 4;
    }
  }

  /** True when the bytes so far end exactly at the end of a message. */
  get atBoundary(): boolean {
    return !this.lost && this.headerFill === 0 && this.bodyLeft === 0;
  }
}
