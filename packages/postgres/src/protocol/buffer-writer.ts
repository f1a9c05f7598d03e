/**
 * Builds one message. Each serializer call makes its own writer: there is no shared
 * module-level buffer that two sessions could interleave into.
 */
export class BufferWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(initialSize = 64) {
    this.buffer = Buffer.alloc(initialSize);
  }

  byte(value: number): this {
    this.ensure(1);
    this.buffer[this.length++] = value & 0xff;
    return this;
  }

  int16(value: number): this {
    this.ensure(2);
    this.buffer.writeInt16BE(value, this.length);
    this.length += 2;
    return this;
  }

  int32(value: number): this {
    this.ensure(4);
    this.buffer.writeInt32BE(value, this.length);
    this.length += 4;
    return this;
  }

  /** Process ids and cancel keys are opaque 32-bit values; written unsigned, as read. */
  uint32(value: number): this {
    this.ensure(4);
    this.buffer.writeUInt32BE(value >>> 0, this.length);
    this.length += 4;
    return this;
  }

  /** A NUL-terminated UTF-8 string. An embedded NUL would end the string early and shift every later field, so it is refused. */
  cstring(value: string): this {
    if (value.includes('\0')) throw new RangeError('a protocol string cannot contain a NUL character');
    const size = Buffer.byteLength(value, 'utf8');
    this.ensure(size + 1);
    this.buffer.write(value, this.length, 'utf8');
    this.length += size;
    this.buffer[this.length++] = 0;
    return this;
  }

  bytes(value: Uint8Array): this {
    this.ensure(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
    return this;
  }

  /** A typed message: type byte, int32 length (counting itself), contents. */
  message(code: number): Buffer {
    const out = Buffer.alloc(5 + this.length);
    out[0] = code;
    out.writeInt32BE(4 + this.length, 1);
    this.buffer.copy(out, 5, 0, this.length);
    return out;
  }

  /** A startup-phase packet: int32 length (counting itself), contents; no type byte. */
  packet(): Buffer {
    const out = Buffer.alloc(4 + this.length);
    out.writeInt32BE(4 + this.length, 0);
    this.buffer.copy(out, 4, 0, this.length);
    return out;
  }

  private ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.length) return;
    const next = Buffer.alloc(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }
}
