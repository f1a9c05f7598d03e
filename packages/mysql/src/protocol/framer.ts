import { ChunkQueue, formatBytes } from '@postern/engine';
import { ErrorCode } from './error-codes';
import { ProtocolError } from './errors';
import { HEADER_LENGTH, MAX_PART_LENGTH } from './constants';

/**
 * The servers' max_allowed_packet reaches 1 GiB; a proxy facing strangers holds less per
 * packet. 64 MiB is MySQL 8's default max_allowed_packet.
 */
export const DEFAULT_MAX_PACKET_LENGTH = 64 * 1024 * 1024;

/** One physical packet: a 3-byte length, a sequence id, and up to 2^24 - 1 bytes. */
export interface PacketPart {
  sequenceId: number;
  payload: Buffer;
  /** Header and payload as received: what a relay forwards unchanged. */
  raw: Buffer;
  /** Starts a logical packet (the part before it, if any, was shorter than 2^24 - 1). */
  first: boolean;
  /** Ends a logical packet: a payload of exactly 2^24 - 1 bytes continues in the next part. */
  last: boolean;
}

export interface FramerOptions {
  /** The largest logical packet (all parts' payloads together) accepted. */
  maxPacketLength?: number;
}

/**
 * Cuts a byte stream into physical packets and follows which of them belong together.
 * The bytes wait in a ChunkQueue: a packet lying inside one chunk is returned as a view
 * of it, and only one that straddles chunks is copied, once.
 *
 * The cap applies to a logical packet's running total and is checked as soon as a part's
 * header is in, before its body is buffered. After an error the framer stays failed: the
 * stream has lost its packet boundaries for good.
 */
export class PacketFramer {
  private readonly maxPacketLength: number;
  private readonly queue = new ChunkQueue();
  /** Payload bytes of the logical packet in progress, in parts already returned. */
  private logicalSoFar = 0;
  private continuing = false;
  private failure: ProtocolError | undefined;

  constructor(opts: FramerOptions = {}) {
    this.maxPacketLength = opts.maxPacketLength ?? DEFAULT_MAX_PACKET_LENGTH;
  }

  /** Bytes received and not yet returned as a part. */
  get bufferedBytes(): number {
    return this.queue.bufferedBytes;
  }

  /** True when everything returned so far ends a logical packet and nothing more is buffered. */
  get atBoundary(): boolean {
    return this.queue.bufferedBytes === 0 && !this.continuing && !this.failure;
  }

  push(chunk: Buffer): void {
    this.queue.push(chunk);
  }

  /** The next complete physical packet, or undefined until more bytes arrive. Throws ProtocolError only. */
  next(): PacketPart | undefined {
    if (this.failure) throw this.failure;
    if (this.queue.bufferedBytes < HEADER_LENGTH) return undefined;
    const header = this.queue.peek(HEADER_LENGTH);
    const length = header.readUIntLE(0, 3);
    const sequenceId = header[3]!;
    const total = this.logicalSoFar + length;
    if (total > this.maxPacketLength) {
      this.failure = new ProtocolError(
        `a packet of ${this.continuing ? 'at least ' : ''}${formatBytes(total)} is over the limit of ${formatBytes(this.maxPacketLength)}`,
        ErrorCode.PacketTooLarge,
      );
      throw this.failure;
    }
    if (this.queue.bufferedBytes < HEADER_LENGTH + length) return undefined;

    const raw = this.queue.take(HEADER_LENGTH + length);
    const first = !this.continuing;
    const last = length < MAX_PART_LENGTH;
    this.continuing = !last;
    this.logicalSoFar = last ? 0 : total;
    return { sequenceId, payload: raw.subarray(HEADER_LENGTH), raw, first, last };
  }

  /** Hands back every byte not yet framed (e.g. to unshift into a socket) and empties the framer. */
  remainder(): Buffer {
    return this.queue.remainder();
  }
}
