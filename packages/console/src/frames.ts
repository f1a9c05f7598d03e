import { MAX_MESSAGE_BYTES } from './protocol';

/**
 * Messages on the tunnel stream between proxy and agent: a 4-byte big-endian length, then
 * that many bytes of UTF-8 JSON. The proxy turns each frame into one WebSocket text message
 * and back, without parsing the JSON.
 */

export class FrameError extends Error {
  override name = 'FrameError';
}

const HEADER = 4;

export function encodeFrame(payload: Buffer | string, max = MAX_MESSAGE_BYTES): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  if (body.length > max) throw new FrameError(`a console message of ${body.length} bytes is over the limit of ${max} bytes`);
  const frame = Buffer.allocUnsafe(HEADER + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, HEADER);
  return frame;
}

export function encodeMessage(message: unknown, max = MAX_MESSAGE_BYTES): Buffer {
  return encodeFrame(JSON.stringify(message), max);
}

/** Splits a byte stream into frame payloads; refuses a frame that declares more than `max` bytes. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly max = MAX_MESSAGE_BYTES) {}

  /** Bytes received that do not make a whole frame yet. */
  get pending(): number {
    return this.buffered;
  }

  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Buffer[] = [];
    while (this.buffered >= HEADER) {
      const head = this.peek(HEADER);
      const length = head.readUInt32BE(0);
      if (length > this.max) throw new FrameError(`a console message declares ${length} bytes, over the limit of ${this.max} bytes`);
      if (this.buffered < HEADER + length) break;
      const frame = this.take(HEADER + length);
      out.push(frame.subarray(HEADER));
    }
    return out;
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first;
    this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const frame = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return frame;
  }
}
