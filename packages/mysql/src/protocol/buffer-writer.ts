/**
 * Builds one packet payload. Each builder makes its own writer: there is no shared
 * module-level buffer that two sessions could interleave into.
 */
export class BufferWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(initialSize = 64) {
    this.buffer = Buffer.alloc(initialSize);
  }

  u8(value: number): this {
    this.ensure(1);
    this.buffer[this.length++] = value & 0xff;
    return this;
  }

  u16(value: number): this {
    this.ensure(2);
    this.buffer.writeUInt16LE(value & 0xffff, this.length);
    this.length += 2;
    return this;
  }

  u24(value: number): this {
    this.ensure(3);
    this.buffer.writeUIntLE(value & 0xffffff, this.length, 3);
    this.length += 3;
    return this;
  }

  u32(value: number): this {
    this.ensure(4);
    this.buffer.writeUInt32LE(value >>> 0, this.length);
    this.length += 4;
    return this;
  }

  lenencInt(value: number): this {
    if (value < 0xfb) return this.u8(value);
    if (value <= 0xffff) return this.u8(0xfc).u16(value);
    if (value <= 0xffffff) return this.u8(0xfd).u24(value);
    this.u8(0xfe);
    this.ensure(8);
    this.buffer.writeBigUInt64LE(BigInt(value), this.length);
    this.length += 8;
    return this;
  }

  bytes(value: Uint8Array): this {
    this.ensure(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
    return this;
  }

  zeros(n: number): this {
    this.ensure(n);
    this.buffer.fill(0, this.length, this.length + n);
    this.length += n;
    return this;
  }

  /** A string with no terminator or length: the last field of a packet (string<EOF>). */
  string(value: string): this {
    return this.bytes(Buffer.from(value, 'utf8'));
  }

  /** A NUL-terminated UTF-8 string. An embedded NUL would end it early and shift every later field, so it is refused. */
  cstring(value: string): this {
    if (value.includes('\0')) throw new RangeError('a protocol string cannot contain a NUL character');
    return this.string(value).u8(0);
  }

  lenencBytes(value: Uint8Array): this {
    return this.lenencInt(value.length).bytes(value);
  }

  lenencString(value: string): this {
    return this.lenencBytes(Buffer.from(value, 'utf8'));
  }

  /** The payload built so far (a copy, so the writer may be reused). */
  payload(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }

  private ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.length) return;
    const next = Buffer.alloc(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }
}
