import { ByteWriter } from '@postern/engine';

/**
 * Builds one packet payload, little-endian as the protocol is; framePacket adds the
 * header. Each builder makes its own writer.
 */
export class BufferWriter extends ByteWriter {
  protected buffer: Buffer;
  protected length = 0;

  constructor(initialSize = 64) {
    super();
    this.buffer = Buffer.alloc(initialSize);
  }

  u16(value: number): this {
    const at = this.claim(2);
    this.buffer.writeUInt16LE(value & 0xffff, at);
    return this;
  }

  u24(value: number): this {
    const at = this.claim(3);
    this.buffer.writeUIntLE(value & 0xffffff, at, 3);
    return this;
  }

  u32(value: number): this {
    const at = this.claim(4);
    this.buffer.writeUInt32LE(value >>> 0, at);
    return this;
  }

  lenencInt(value: number): this {
    if (value < 0xfb) return this.u8(value);
    if (value <= 0xffff) return this.u8(0xfc).u16(value);
    if (value <= 0xffffff) return this.u8(0xfd).u24(value);
    const at = this.u8(0xfe).claim(8);
    this.buffer.writeBigUInt64LE(BigInt(value), at);
    return this;
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
}
