import { ByteWriter } from '@postern/engine';

/**
 * Builds one message, big-endian as the protocol is, framed as a typed message or a
 * startup-phase packet. Each serializer call makes its own writer.
 */
export class BufferWriter extends ByteWriter {
  protected buffer: Buffer;
  protected length = 0;

  constructor(initialSize = 64) {
    super();
    this.buffer = Buffer.alloc(initialSize);
  }

  int16(value: number): this {
    const at = this.claim(2);
    this.buffer.writeInt16BE(value, at);
    return this;
  }

  int32(value: number): this {
    const at = this.claim(4);
    this.buffer.writeInt32BE(value, at);
    return this;
  }

  /** Process ids and cancel keys are opaque 32-bit values; written unsigned, as read. */
  uint32(value: number): this {
    const at = this.claim(4);
    this.buffer.writeUInt32BE(value >>> 0, at);
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
}
