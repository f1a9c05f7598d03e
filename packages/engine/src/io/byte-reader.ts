/**
 * Reads the fields of one protocol unit (a PostgreSQL message body, a MySQL packet
 * payload) front to back. Every read checks the bounds, and a short or nonsensical unit
 * is reported with the protocol's own error (`truncated`, `malformed`), never as a
 * RangeError.
 *
 * What does not depend on byte order lives here. Each protocol subclasses it with its
 * integers in its own byte order, each one `take` and one Buffer read, so a field is still
 * read by a direct call with no closure or allocation: this runs for every message the
 * relay audits.
 */
export abstract class ByteReader {
  // The subclass declares this state and sets it in its constructor: a reader is made for
  // every message, and on Node 20 (V8 11) constructing a subclass is several times slower
  // when its base class has field initializers, or sets fields in its own constructor
  // (under tsx, which names every class, far slower still).
  protected abstract readonly buffer: Buffer;
  /** Names the unit in errors, as the protocol's `truncated` and `malformed` word them. */
  protected abstract readonly what: string;
  /** Where the next field starts; 0 when constructed. */
  protected abstract offset: number;

  /** The protocol's error for a unit that ends before the field being read. Only built when thrown. */
  protected abstract truncated(): Error;

  /** The protocol's error for a unit whose contents make no sense (`detail` says how). Only built when thrown. */
  protected abstract malformed(detail: string): Error;

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  get position(): number {
    return this.offset;
  }

  u8(): number {
    this.need(1);
    return this.buffer[this.offset++]!;
  }

  /** A view of the next n bytes (no copy). */
  bytes(n: number): Buffer {
    const at = this.take(n);
    return this.buffer.subarray(at, at + n);
  }

  /** The bytes up to a NUL, which is consumed (no copy); a missing NUL is a malformed unit. */
  cstringBytes(): Buffer {
    const end = this.cstringEnd();
    const value = this.buffer.subarray(this.offset, end);
    this.offset = end + 1;
    return value;
  }

  /** A NUL-terminated string, decoded as UTF-8 (invalid sequences become U+FFFD). */
  cstring(): string {
    const end = this.cstringEnd();
    const value = this.buffer.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return value;
  }

  /** Everything not yet read (no copy). */
  rest(): Buffer {
    const value = this.buffer.subarray(this.offset);
    this.offset = this.buffer.length;
    return value;
  }

  skip(n: number): void {
    this.take(n);
  }

  /** Claims the next n bytes and returns where they start; throws `truncated` when fewer are left. */
  protected take(n: number): number {
    this.need(n);
    const at = this.offset;
    this.offset = at + n;
    return at;
  }

  protected need(n: number): void {
    if (n < 0 || this.offset + n > this.buffer.length) throw this.truncated();
  }

  private cstringEnd(): number {
    const end = this.buffer.indexOf(0, this.offset);
    if (end < 0) throw this.malformed('a string is not terminated');
    return end;
  }
}
