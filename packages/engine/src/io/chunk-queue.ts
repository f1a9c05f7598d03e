/**
 * The bytes a framer has received and not yet cut into units. Chunks are kept as received
 * and an offset walks over them: a unit lying inside one chunk is returned as a view of it,
 * and only one that straddles chunks is copied, once, when it is taken. What a unit is
 * (its header, its length, its cap) is the protocol's framer's business, not this queue's.
 */
export class ChunkQueue {
  private readonly chunks: Buffer[] = [];
  /** Where the unread bytes begin in chunks[0]. */
  private offset = 0;
  private buffered = 0;

  /** Bytes received and not yet taken. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * The first n buffered bytes without consuming them (the caller checks that n are
   * buffered); copies only if they straddle chunks, so it is meant for small headers.
   */
  peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length - this.offset >= n) return first.subarray(this.offset, this.offset + n);
    const out = Buffer.alloc(n);
    let filled = 0;
    let start = this.offset;
    for (const chunk of this.chunks) {
      filled += chunk.copy(out, filled, start, Math.min(chunk.length, start + n - filled));
      start = 0;
      if (filled === n) break;
    }
    return out;
  }

  /** Consumes n buffered bytes (the caller checks that n are buffered): a view when they lie in one chunk, else one copy. */
  take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length - this.offset >= n) {
      const view = first.subarray(this.offset, this.offset + n);
      this.offset += n;
      if (this.offset === first.length) this.dropFirst();
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0]!;
      const end = Math.min(chunk.length, this.offset + n - filled);
      filled += chunk.copy(out, filled, this.offset, end);
      if (end === chunk.length) this.dropFirst();
      else this.offset = end;
    }
    return out;
  }

  /** Hands back every byte not yet taken (e.g. to unshift into a socket) and empties the queue. */
  remainder(): Buffer {
    const rest = this.buffered === 0 ? Buffer.alloc(0) : this.take(this.buffered);
    this.chunks.length = 0;
    this.offset = 0;
    return rest;
  }

  private dropFirst(): void {
    this.chunks.shift();
    this.offset = 0;
  }
}
