import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { TLSSocket } from 'node:tls';

/**
 * A hand-driven PostgreSQL client for tests: writes raw bytes and reads raw answers,
 * decoding typed messages with its own few lines rather than the package's framer.
 */
export class WireClient {
  private buffered = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  ended = false;

  private constructor(public socket: Socket | TLSSocket) {
    this.attach(socket);
  }

  static async connect(port: number): Promise<WireClient> {
    const socket = netConnect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new WireClient(socket);
  }

  /** Starts TLS over the current socket (after an 'S'); no certificate checks in tests. */
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

  static async connectDirectTls(port: number): Promise<WireClient> {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['postgresql'] });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    return new WireClient(socket);
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

  /** One typed message: its type letter and body. */
  async readMessage(timeoutMs = 5_000): Promise<{ type: string; body: Buffer }> {
    const header = await this.read(5, timeoutMs);
    const body = await this.read(header.readInt32BE(1) - 4, timeoutMs);
    return { type: String.fromCharCode(header[0]!), body };
  }

  /** Messages until (and including) one of the given type. */
  async readUntil(type: string, timeoutMs = 10_000): Promise<{ type: string; body: Buffer }[]> {
    const messages: { type: string; body: Buffer }[] = [];
    for (;;) {
      const message = await this.readMessage(timeoutMs);
      messages.push(message);
      if (message.type === type) return messages;
    }
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

/** Error fields of an ErrorResponse body, decoded independently of the package. */
export function errorFields(body: Buffer): Record<string, string> {
  const fields: Record<string, string> = {};
  let pos = 0;
  while (pos < body.length && body[pos] !== 0) {
    const type = String.fromCharCode(body[pos]!);
    const end = body.indexOf(0, pos + 1);
    fields[type] = body.toString('utf8', pos + 1, end);
    pos = end + 1;
  }
  return fields;
}
