/**
 * Watches the server's side of a PostgreSQL session until its first ReadyForQuery, to learn
 * the BackendKeyData the client receives: a later CancelRequest carries those two numbers
 * on a new connection, and the proxy must know which agent holds that session.
 *
 * It only looks at chunks on their way past (the relay forwards them unchanged), and once
 * `done` the relay stops calling it: it used to be a Transform stream in the pipeline,
 * which cost every chunk of every session a stream hop long after startup.
 */
export class BackendKeySniffer {
  private pending: Buffer = Buffer.alloc(0);
  private finished = false;

  constructor(private readonly onKey: (pid: number, key: number) => void) {}

  /** True once the startup is over (or not understood): nothing more to look for. */
  get done(): boolean {
    return this.finished;
  }

  push(chunk: Buffer): void {
    if (this.finished) return;
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
    this.finished = true;
    this.pending = Buffer.alloc(0);
  }
}
