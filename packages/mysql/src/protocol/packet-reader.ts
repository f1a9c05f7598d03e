import { PacketFramer } from './framer';
import type { FramerOptions, PacketPart } from './framer';

/** One logical packet: the payloads of its parts joined. */
export interface Packet {
  /** The first part's sequence id; replies continue from `lastSequenceId`. */
  sequenceId: number;
  lastSequenceId: number;
  payload: Buffer;
}

/**
 * Logical packets from a byte stream: parts of 2^24 - 1 bytes are joined with what
 * follows them, so a 20 MiB payload comes out whole. For the handshake and for tests; the
 * relay works on parts, to forward each as soon as it is in.
 */
export class PacketReader {
  private readonly framer: PacketFramer;
  private parts: PacketPart[] = [];

  constructor(opts: FramerOptions = {}) {
    this.framer = new PacketFramer(opts);
  }

  get bufferedBytes(): number {
    return this.framer.bufferedBytes + this.parts.reduce((sum, p) => sum + p.raw.length, 0);
  }

  push(chunk: Buffer): void {
    this.framer.push(chunk);
  }

  /** The next complete logical packet, or undefined until more bytes arrive. Throws ProtocolError only. */
  next(): Packet | undefined {
    for (let part = this.framer.next(); part; part = this.framer.next()) {
      this.parts.push(part);
      if (!part.last) continue;
      const parts = this.parts;
      this.parts = [];
      return assemble(parts);
    }
    return undefined;
  }

  /** Bytes not yet returned as a packet (unfinished parts included), and empties the reader. */
  remainder(): Buffer {
    const pending = this.parts.map((p) => p.raw);
    this.parts = [];
    return Buffer.concat([...pending, this.framer.remainder()]);
  }
}

export function assemble(parts: readonly PacketPart[]): Packet {
  const first = parts[0]!;
  const lastPart = parts[parts.length - 1]!;
  const payload = parts.length === 1 ? first.payload : Buffer.concat(parts.map((p) => p.payload));
  return { sequenceId: first.sequenceId, lastSequenceId: lastPart.sequenceId, payload };
}
