import { Transform, type TransformCallback } from 'node:stream';

/**
 * Watches the server's side of a PostgreSQL session until its first ReadyForQuery, to learn
 * the BackendKeyData the client receives: a later CancelRequest carries those two numbers
 * on a new connection, and the proxy must know which agent holds that session. After
 * ReadyForQuery it only passes bytes on.
 */
export class BackendKeySniffer extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  private done = false;

  constructor(private readonly onKey: (pid: number, key: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (!this.done) this.scan(chunk);
    cb(null, chunk);
  }

  private scan(chunk: Buffer): void {
    this.pending = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    while (this.pending.length - at >= 5) {
      const type = this.pending[at];
      const len = this.pending.readInt32BE(at + 1);
      if (len < 4 || len > 1 << 20) {
        // Not a startup we understand; cancel routing is best-effort, the data is untouched.
        this.finish();
        return;
      }
      if (this.pending.length - at < 1 + len) break;
      // Unsigned, as CancelRequest parsing reads them: a secret key has its top bit set
      // half of the time.
      if (type === 0x4b /* K */ && len === 12) this.onKey(this.pending.readUInt32BE(at + 5), this.pending.readUInt32BE(at + 9));
      at += 1 + len;
      if (type === 0x5a /* Z */ || type === 0x45 /* E */) {
        this.finish();
        return;
      }
    }
    this.pending = this.pending.subarray(at);
  }

  private finish(): void {
    this.done = true;
    this.pending = Buffer.alloc(0);
  }
}
