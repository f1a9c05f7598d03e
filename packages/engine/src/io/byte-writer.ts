/**
 * Builds one protocol unit (a PostgreSQL message, a MySQL packet payload) in a buffer that
 * grows as needed. Each builder makes its own writer: there is no shared module-level
 * buffer that two sessions could interleave into.
 *
 * What does not depend on byte order lives here. Each protocol subclasses it with its
 * integers in its own byte order (each one `claim` and one Buffer write) and with how a
 * finished unit is framed.
 */
export abstract class ByteWriter {
  // The subclass declares the state and sets it in its constructor, as for ByteReader (a
  // writer is made for every message built).
  protected abstract buffer: Buffer;
  /** How many bytes are written so far; 0 when constructed. */
  protected abstract length: number;

  u8(value: number): this {
    this.ensure(1);
    this.buffer[this.length++] = value & 0xff;
    return this;
  }

  bytes(value: Uint8Array): this {
    const at = this.claim(value.length);
    this.buffer.set(value, at);
    return this;
  }

  zeros(n: number): this {
    const at = this.claim(n);
    this.buffer.fill(0, at, at + n);
    return this;
  }

  /** A UTF-8 string with no terminator or length (what ends a unit, or has its length written before it). */
  string(value: string): this {
    const at = this.claim(Buffer.byteLength(value, 'utf8'));
    this.buffer.write(value, at, 'utf8');
    return this;
  }

  /** A NUL-terminated UTF-8 string. An embedded NUL would end it early and shift every later field, so it is refused. */
  cstring(value: string): this {
    if (value.includes('\0')) throw new RangeError('a protocol string cannot contain a NUL character');
    const size = Buffer.byteLength(value, 'utf8');
    const at = this.claim(size + 1);
    this.buffer.write(value, at, 'utf8');
    this.buffer[at + size] = 0;
    return this;
  }

  /**
   * Makes room for n more bytes and returns where they start. Read `this.buffer` only after
   * this call: it may have moved to a larger buffer.
   */
  protected claim(n: number): number {
    this.ensure(n);
    const at = this.length;
    this.length = at + n;
    return at;
  }

  private ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.length) return;
    const next = Buffer.alloc(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }
}
