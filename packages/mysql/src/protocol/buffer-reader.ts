import { ByteReader } from '@postern/engine';
import { ProtocolError } from './errors';

/**
 * Reads the fields of one packet payload, little-endian as the protocol is. Every read
 * checks the bounds and reports a short packet as a ProtocolError naming the packet,
 * never as a RangeError. `what` names the packet in errors: "HandshakeResponse41 is
 * truncated".
 */
export class BufferReader extends ByteReader {
  protected offset = 0;

  constructor(
    protected readonly buffer: Buffer,
    protected readonly what: string,
  ) {
    super();
  }

  u16(): number {
    return this.buffer.readUInt16LE(this.take(2));
  }

  u24(): number {
    return this.buffer.readUIntLE(this.take(3), 3);
  }

  u32(): number {
    return this.buffer.readUInt32LE(this.take(4));
  }

  u64(): bigint {
    return this.buffer.readBigUInt64LE(this.take(8));
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
        if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw this.malformed(`a length of ${value} bytes`);
        return Number(value);
      }
      default:
        throw this.malformed(`0x${first.toString(16)} does not start a length-encoded integer`);
    }
  }

  lenencBytes(): Buffer {
    return this.bytes(this.lenencInt());
  }

  lenencString(): string {
    return this.lenencBytes().toString('utf8');
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

  protected override truncated(): ProtocolError {
    return new ProtocolError(`${this.what} is truncated`);
  }

  protected override malformed(detail: string): ProtocolError {
    return new ProtocolError(`${this.what} is malformed: ${detail}`);
  }
}
