import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ConnectionOptions, TLSSocket } from 'node:tls';

/**
 * A hand-driven client for protocol tests: writes raw bytes and reads raw answers, with no
 * knowledge of any protocol. Each protocol's tests extend it with their own few lines of
 * framing, written independently of the package under test.
 */
export class WireClient {
  private buffered = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  ended = false;

  constructor(public socket: Socket | TLSSocket) {
    this.attach(socket);
  }

  /** A plain TCP connection to 127.0.0.1:port. */
  static async connect<T extends WireClient>(this: new (socket: Socket | TLSSocket) => T, port: number): Promise<T> {
    const socket = netConnect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new this(socket);
  }

  /** TLS from the first byte (no protocol-level request first); no certificate checks in tests. */
  static async connectDirectTls<T extends WireClient>(
    this: new (socket: Socket | TLSSocket) => T,
    port: number,
    opts: Pick<ConnectionOptions, 'ALPNProtocols'> = {},
  ): Promise<T> {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    return new this(socket);
  }

  /** Starts TLS over the current socket, once the protocol has agreed to it; no certificate checks in tests. */
  async startTls(): Promise<void> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    const secure = tlsConnect({ socket: plain, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.socket = secure;
    this.attach(secure);
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Exactly n bytes, or rejects when the connection ends first. */
  async read(n: number, timeoutMs = 5_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.buffered.length < n) {
      if (this.ended) throw new Error(`connection ended after ${this.buffered.length} of ${n} bytes`);
      await this.wait(deadline);
    }
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }

  /** Resolves when the server has closed the connection. */
  async closed(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) await this.wait(deadline);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private attach(socket: Socket | TLSSocket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.wake();
    });
    const end = (): void => {
      this.ended = true;
      this.wake();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private wait(deadline: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for the server')), Math.max(0, deadline - Date.now()));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
