import { ProtocolError } from './errors';

/**
 * Reads the fields of one message body. Every read checks the bounds and reports a
 * truncated message as a ProtocolError naming the message, never as a RangeError.
 */
export class BufferReader {
  private offset = 0;

  constructor(
    private readonly buffer: Buffer,
    /** Names the message in errors: "Bind message is truncated". */
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  byte(): number {
    this.need(1);
    return this.buffer[this.offset++]!;
  }

  int16(): number {
    this.need(2);
    const value = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  /** Counts are sent as int16 but PostgreSQL reads them unsigned (up to 65535). */
  uint16(): number {
    this.need(2);
    const value = this.buffer.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  int32(): number {
    this.need(4);
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  uint32(): number {
    this.need(4);
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  /** A NUL-terminated string, decoded as UTF-8 (invalid sequences become U+FFFD). */
  cstring(): string {
    const end = this.buffer.indexOf(0, this.offset);
    if (end < 0) throw new ProtocolError(`${this.what} message is malformed: a string is not terminated`);
    const value = this.buffer.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return value;
  }

  /** A view of the next n bytes (no copy). */
  bytes(n: number): Buffer {
    if (n < 0) throw new ProtocolError(`${this.what} message is malformed: negative length ${n}`);
    this.need(n);
    const value = this.buffer.subarray(this.offset, this.offset + n);
    this.offset += n;
    return value;
  }

  /** Everything not yet read (no copy). */
  rest(): Buffer {
    const value = this.buffer.subarray(this.offset);
    this.offset = this.buffer.length;
    return value;
  }

  private need(n: number): void {
    if (this.offset + n > this.buffer.length) throw new ProtocolError(`${this.what} message is truncated`);
  }
}
