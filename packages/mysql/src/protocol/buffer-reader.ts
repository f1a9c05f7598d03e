import { ProtocolError } from './errors';

/**
 * Reads the fields of one packet payload, little-endian as the protocol is. Every read
 * checks the bounds and reports a short packet as a ProtocolError naming the packet,
 * never as a RangeError.
 */
export class BufferReader {
  private offset = 0;

  constructor(
    private readonly buffer: Buffer,
    /** Names the packet in errors: "HandshakeResponse41 is truncated". */
    private readonly what: string,
  ) {}

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

  u16(): number {
    this.need(2);
    const value = this.buffer.readUInt16LE(this.offset);
    this.offset += 2;
    return value;
  }

  u24(): number {
    this.need(3);
    const value = this.buffer.readUIntLE(this.offset, 3);
    this.offset += 3;
    return value;
  }

  u32(): number {
    this.need(4);
    const value = this.buffer.readUInt32LE(this.offset);
    this.offset += 4;
    return value;
  }

  u64(): bigint {
    this.need(8);
    const value = this.buffer.readBigUInt64LE(this.offset);
    this.offset += 8;
    return value;
  }

  /**
   * A length-encoded integer. Lengths and counts beyond 2^53 cannot be real (no packet is
   * that long), so they are reported as broken rather than carried as bigint.
   */
  lenencInt(): number {
    const first = this.u8();
    if (first < 0xfb) return first;
    switch (first) {
      case 0xfc:
        return this.u16();
      case 0xfd:
        return this.u24();
      case 0xfe: {
        const value = this.u64();
        if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolError(`${this.what} is malformed: a length of ${value} bytes`);
        return Number(value);
      }
      default:
        throw new ProtocolError(`${this.what} is malformed: 0x${first.toString(16)} does not start a length-encoded integer`);
    }
  }

  /** A view of the next n bytes (no copy). */
  bytes(n: number): Buffer {
    this.need(n);
    const value = this.buffer.subarray(this.offset, this.offset + n);
    this.offset += n;
    return value;
  }

  lenencBytes(): Buffer {
    return this.bytes(this.lenencInt());
  }

  lenencString(): string {
    return this.lenencBytes().toString('utf8');
  }

  /** The bytes up to a NUL, which is consumed; a missing NUL is a broken packet. */
  cstringBytes(): Buffer {
    const end = this.buffer.indexOf(0, this.offset);
    if (end < 0) throw new ProtocolError(`${this.what} is malformed: a string is not terminated`);
    const value = this.buffer.subarray(this.offset, end);
    this.offset = end + 1;
    return value;
  }

  /** A NUL-terminated string, decoded as UTF-8 (invalid sequences become U+FFFD). */
  cstring(): string {
    return this.cstringBytes().toString('utf8');
  }

  /**
   * A NUL-terminated string that some senders leave unterminated at the end of the packet
   * (the plugin name of older clients): up to the NUL or the end.
   */
  cstringOrRest(): string {
    const end = this.buffer.indexOf(0, this.offset);
    const stop = end < 0 ? this.buffer.length : end;
    const value = this.buffer.toString('utf8', this.offset, stop);
    this.offset = end < 0 ? stop : end + 1;
    return value;
  }

  /** Everything not yet read (no copy). */
  rest(): Buffer {
    const value = this.buffer.subarray(this.offset);
    this.offset = this.buffer.length;
    return value;
  }

  skip(n: number): void {
    this.need(n);
    this.offset += n;
  }

  private need(n: number): void {
    if (n < 0 || this.offset + n > this.buffer.length) throw new ProtocolError(`${this.what} is truncated`);
  }
}
