import { ByteReader } from '@postern/engine';
import { ProtocolError } from './errors';

/**
 * Reads the fields of one message body, big-endian as the protocol is. Every read checks
 * the bounds and reports a truncated message as a ProtocolError naming the message, never
 * as a RangeError. `what` names the message in errors: "Bind message is truncated".
 */
export class BufferReader extends ByteReader {
  protected offset = 0;

  constructor(
    protected readonly buffer: Buffer,
    protected readonly what: string,
  ) {
    super();
  }

  int16(): number {
    return this.buffer.readInt16BE(this.take(2));
  }

  /** Counts are sent as int16 but PostgreSQL reads them unsigned (up to 65535). */
  uint16(): number {
    return this.buffer.readUInt16BE(this.take(2));
  }

  int32(): number {
    return this.buffer.readInt32BE(this.take(4));
  }

  uint32(): number {
    return this.buffer.readUInt32BE(this.take(4));
  }

  /** A view of the next n bytes (no copy); a negative n is a length the peer got wrong, not a short message. */
  override bytes(n: number): Buffer {
    if (n < 0) throw this.malformed(`negative length ${n}`);
    return super.bytes(n);
  }

  protected override truncated(): ProtocolError {
    return new ProtocolError(`${this.what} message is truncated`);
  }

  protected override malformed(detail: string): ProtocolError {
    return new ProtocolError(`${this.what} message is malformed: ${detail}`);
  }
}
