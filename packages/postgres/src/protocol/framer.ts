import { ChunkQueue, formatBytes } from '@postern/engine';
import { ProtocolError } from './errors';

/** PostgreSQL itself accepts up to 1 GiB; a proxy facing strangers holds far less in memory per message. */
export const DEFAULT_MAX_MESSAGE_LENGTH = 64 * 1024 * 1024;
/** PostgreSQL's own startup limit is 10,000 bytes; nothing legitimate comes close. */
export const DEFAULT_MAX_STARTUP_LENGTH = 10 * 1024;

/** One complete message as it was received. */
export interface Frame {
  /** The type byte; 0 for startup-phase packets, which have none. */
  code: number;
  /** The contents after the length word. */
  body: Buffer;
  /** The whole message (type, length, contents): what a relay forwards unchanged. */
  raw: Buffer;
}

export interface FramerOptions {
  /** Frames startup-phase packets (int32 length, no type byte) instead of typed messages. */
  startup?: boolean;
  /** The largest declared length accepted, counting the length word itself. */
  maxLength?: number;
}

/**
 * Cuts a byte stream into messages. The bytes wait in a ChunkQueue: a message lying inside
 * one chunk is returned as a view of it, and only a message that straddles chunks is
 * copied, once, when its last byte arrives.
 *
 * Declared lengths are checked as soon as the header is in, before any body is buffered,
 * so a peer announcing 100 MiB is refused without being waited for. After an error the
 * framer stays failed: the stream has lost its message boundaries for good.
 */
export class MessageFramer {
  private readonly startup: boolean;
  private readonly maxLength: number;
  private readonly queue = new ChunkQueue();
  private failure: ProtocolError | undefined;

  constructor(opts: FramerOptions = {}) {
    this.startup = opts.startup ?? false;
    this.maxLength = opts.maxLength ?? (this.startup ? DEFAULT_MAX_STARTUP_LENGTH : DEFAULT_MAX_MESSAGE_LENGTH);
  }

  /** Bytes received and not yet returned as a frame. */
  get bufferedBytes(): number {
    return this.queue.bufferedBytes;
  }

  push(chunk: Buffer): void {
    this.queue.push(chunk);
  }

  /** The next complete message, or undefined until more bytes arrive. Throws ProtocolError only. */
  next(): Frame | undefined {
    if (this.failure) throw this.failure;
    const headerSize = this.startup ? 4 : 5;
    if (this.queue.bufferedBytes < headerSize) return undefined;

    const header = this.queue.peek(headerSize);
    const code = this.startup ? 0 : header[0]!;
    const length = header.readInt32BE(headerSize - 4);
    const minLength = this.startup ? 8 : 4;
    if (length < minLength || length > this.maxLength) {
      this.failure = new ProtocolError(this.describeBadLength(code, length, minLength));
      throw this.failure;
    }

    const total = length + (this.startup ? 0 : 1);
    if (this.queue.bufferedBytes < total) return undefined;
    const raw = this.queue.take(total);
    return { code, raw, body: raw.subarray(headerSize) };
  }

  /** Hands back every byte not yet framed (e.g. to unshift into a socket) and empties the framer. */
  remainder(): Buffer {
    return this.queue.remainder();
  }

  private describeBadLength(code: number, length: number, minLength: number): string {
    const what = this.startup ? 'startup packet' : `message of type ${describeCode(code)}`;
    if (length < minLength) return `invalid ${what}: declared length ${length} is below the minimum of ${minLength}`;
    return `${what} declares ${formatBytes(length)}, over the limit of ${formatBytes(this.maxLength)}`;
  }
}

function describeCode(code: number): string {
  return code >= 0x20 && code < 0x7f ? `'${String.fromCharCode(code)}'` : `0x${code.toString(16).padStart(2, '0')}`;
}
