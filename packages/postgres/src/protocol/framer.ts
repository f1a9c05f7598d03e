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
 * Cuts a byte stream into messages. Chunks are kept as received and an offset walks over
 * them: a message lying inside one chunk is returned as a view of it, and only a message
 * that straddles chunks is copied, once, when its last byte arrives.
 *
 * Declared lengths are checked as soon as the header is in, before any body is buffered,
 * so a peer announcing 100 MiB is refused without being waited for. After an error the
 * framer stays failed: the stream has lost its message boundaries for good.
 */
export class MessageFramer {
  private readonly startup: boolean;
  private readonly maxLength: number;
  private readonly chunks: Buffer[] = [];
  /** Where the unread bytes begin in chunks[0]. */
  private offset = 0;
  private buffered = 0;
  private failure: ProtocolError | undefined;

  constructor(opts: FramerOptions = {}) {
    this.startup = opts.startup ?? false;
    this.maxLength = opts.maxLength ?? (this.startup ? DEFAULT_MAX_STARTUP_LENGTH : DEFAULT_MAX_MESSAGE_LENGTH);
  }

  /** Bytes received and not yet returned as a frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete message, or undefined until more bytes arrive. Throws ProtocolError only. */
  next(): Frame | undefined {
    if (this.failure) throw this.failure;
    const headerSize = this.startup ? 4 : 5;
    if (this.buffered < headerSize) return undefined;

    const header = this.peek(headerSize);
    const code = this.startup ? 0 : header[0]!;
    const length = header.readInt32BE(headerSize - 4);
    const minLength = this.startup ? 8 : 4;
    if (length < minLength || length > this.maxLength) {
      this.failure = new ProtocolError(this.describeBadLength(code, length, minLength));
      throw this.failure;
    }

    const total = length + (this.startup ? 0 : 1);
    if (this.buffered < total) return undefined;
    const raw = this.take(total);
    return { code, raw, body: raw.subarray(headerSize) };
  }

  /** Hands back every byte not yet framed (e.g. to unshift into a socket) and empties the framer. */
  remainder(): Buffer {
    const rest = this.buffered === 0 ? Buffer.alloc(0) : this.take(this.buffered);
    this.chunks.length = 0;
    this.offset = 0;
    return rest;
  }

  private describeBadLength(code: number, length: number, minLength: number): string {
    const what = this.startup ? 'startup packet' : `message of type ${describeCode(code)}`;
    if (length < minLength) return `invalid ${what}: declared length ${length} is below the minimum of ${minLength}`;
    return `${what} declares ${formatBytes(length)}, over the limit of ${formatBytes(this.maxLength)}`;
  }

  /** The first n buffered bytes without consuming them; copies only if they straddle chunks (n ≤ 5). */
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

function describeCode(code: number): string {
  return code >= 0x20 && code < 0x7f ? `'${String.fromCharCode(code)}'` : `0x${code.toString(16).padStart(2, '0')}`;
}

function formatBytes(n: number): string {
  const MiB = 1024 * 1024;
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}
