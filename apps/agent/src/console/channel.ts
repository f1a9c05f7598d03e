import type { Duplex } from 'node:stream';
import { encodeFrame, FrameDecoder } from '@postern/console/frames';

/** Frames read ahead before the stream is paused (the page sends little: runs, fetches, cancels). */
const MAX_INBOX = 64;

/**
 * The console's messages over the tunnel stream: whole frames in, whole frames out, with
 * backpressure both ways (the stream is paused while unread frames pile up; send() waits
 * for 'drain' when the stream's buffer is full, which HTTP/2 flow control reaches when the
 * proxy, and through it the browser, reads slower than rows come).
 */
export class FrameChannel {
  private readonly decoder = new FrameDecoder();
  private readonly inbox: Buffer[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;
  private failure: Error | undefined;

  constructor(private readonly stream: Duplex) {
    stream.on('data', (chunk: Buffer) => {
      if (this.failure) return;
      try {
        for (const frame of this.decoder.push(chunk)) this.inbox.push(frame);
      } catch (err) {
        this.failure = err as Error;
      }
      if (this.inbox.length >= MAX_INBOX) stream.pause();
      this.wake();
    });
    stream.on('end', () => {
      this.ended = true;
      this.wake();
    });
    stream.on('close', () => {
      this.ended = true;
      this.wake();
    });
    stream.on('error', () => {
      this.ended = true;
      this.wake();
    });
  }

  get closed(): boolean {
    return this.ended || this.stream.destroyed || this.stream.writableEnded;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** The next frame's payload; null when the peer is gone. Throws a FrameError for a bad frame. */
  async next(): Promise<Buffer | null> {
    for (;;) {
      const frame = this.inbox.shift();
      if (frame) {
        if (this.inbox.length < MAX_INBOX / 2 && this.stream.isPaused()) this.stream.resume();
        return frame;
      }
      if (this.failure) throw this.failure;
      if (this.ended) return null;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  /** Sends one message (already JSON, or an object to serialize); resolves when it may send more. */
  async send(message: string | object): Promise<void> {
    if (this.closed) return;
    const frame = encodeFrame(typeof message === 'string' ? message : JSON.stringify(message));
    if (this.stream.write(frame)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
    });
  }

  /** Ends our side after what was sent; the stream is destroyed if the peer does not follow. */
  end(): void {
    // Nothing more is read either: a pending next() returns null.
    this.ended = true;
    this.wake();
    if (this.stream.destroyed) return;
    this.stream.end();
    setTimeout(() => this.stream.destroy(), 5_000).unref();
  }
}
