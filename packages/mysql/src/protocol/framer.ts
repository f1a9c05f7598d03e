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
 * Chunks are kept as received and an offset walks over them: a packet lying inside one
 * chunk is returned as a view of it, and only one that straddles chunks is copied, once.
 *
 * The cap applies to a logical packet's running total and is checked as soon as a part's
 * header is in, before its body is buffered. After an error the framer stays failed: the
 * stream has lost its packet boundaries for good.
 */
export class PacketFramer {
  private readonly maxPacketLength: number;
  private readonly chunks: Buffer[] = [];
  /** Where the unread bytes begin in chunks[0]. */
  private offset = 0;
  private buffered = 0;
  /** Payload bytes of the logical packet in progress, in parts already returned. */
  private logicalSoFar = 0;
  private continuing = false;
  private failure: ProtocolError | undefined;

  constructor(opts: FramerOptions = {}) {
    this.maxPacketLength = opts.maxPacketLength ?? DEFAULT_MAX_PACKET_LENGTH;
  }

  /** Bytes received and not yet returned as a part. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** True when everything returned so far ends a logical packet and nothing more is buffered. */
  get atBoundary(): boolean {
    return this.buffered === 0 && !this.continuing && !this.failure;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete physical packet, or undefined until more bytes arrive. Throws ProtocolError only. */
  next(): PacketPart | undefined {
    if (this.failure) throw this.failure;
    if (this.buffered < HEADER_LENGTH) return undefined;
    const header = this.peek(HEADER_LENGTH);
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
    if (this.buffered < HEADER_LENGTH + length) return undefined;

    const raw = this.take(HEADER_LENGTH + length);
    const first = !this.continuing;
    const last = length < MAX_PART_LENGTH;
    this.continuing = !last;
    this.logicalSoFar = last ? 0 : total;
    return { sequenceId, payload: raw.subarray(HEADER_LENGTH), raw, first, last };
  }

  /** Hands back every byte not yet framed (e.g. to unshift into a socket) and empties the framer. */
  remainder(): Buffer {
    const rest = this.buffered === 0 ? Buffer.alloc(0) : this.take(this.buffered);
    this.chunks.length = 0;
    this.offset = 0;
    return rest;
  }

  /** The first n buffered bytes without consuming them; copies only if they straddle chunks (n ≤ 4). */
  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length - this.offset >= n) return first.subarray(this.offset, this.offset + n);
    const out = Buffer.alloc(n);
    let filled = 0;
    let start = this.offset;
    for (const chunk of this.chunks) {
      filled += chunk.copy(out, filled, start, Math.min(chunk.length, start + n - filled));
      start = 0;
      if (filled === n) break;
    }
    return out;
  }

  /** Consumes n buffered bytes: a view when they lie in one chunk, else one copy. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length - this.offset >= n) {
      const view = first.subarray(this.offset, this.offset + n);
      this.offset += n;
      if (this.offset === first.length) this.dropFirst();
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0]!;
      const end = Math.min(chunk.length, this.offset + n - filled);
      filled += chunk.copy(out, filled, this.offset, end);
      if (end === chunk.length) this.dropFirst();
      else this.offset = end;
    }
    return out;
  }

  private dropFirst(): void {
    this.chunks.shift();
    this.offset = 0;
  }
}

export function formatBytes(n: number): string {
  const MiB = 1024 * 1024;
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}
