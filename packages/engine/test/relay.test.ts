import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { relay } from '../src';

/** One side of a relay: `feed` pushes bytes it "received"; what is written to it is kept, acknowledged only while `open`. */
class FakeSide extends Duplex {
  readonly written: Buffer[] = [];
  private pending: (() => void)[] = [];
  open = true;

  constructor() {
    super({ writableHighWaterMark: 1024 });
  }

  feed(chunk: Buffer | null): void {
    this.push(chunk);
  }

  release(): void {
    this.open = true;
    for (const ack of this.pending.splice(0)) ack();
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.written.push(chunk);
    if (this.open) callback();
    else this.pending.push(() => callback());
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('relay', () => {
  it('pauses the source while the destination is full and resumes on drain', async () => {
    const client = new FakeSide();
    const server = new FakeSide();
    server.open = false;
    const outcome = relay({ client, server, inspectClient: (c) => [c], observeServer: () => {} });
    const chunks = Array.from({ length: 50 }, (_, i) => Buffer.alloc(512, i));
    for (const chunk of chunks) client.feed(chunk);
    await tick();
    expect(client.isPaused()).toBe(true);
    expect(server.written.length).toBeLessThan(10);
    server.release();
    for (let i = 0; i < 20 && server.written.length < chunks.length; i++) await tick();
    expect(Buffer.concat(server.written)).toEqual(Buffer.concat(chunks));
    client.feed(null);
    expect(await outcome).toEqual({ by: 'client' });
  });

  it('forwards what the inspector returns, and stops when it throws', async () => {
    const client = new FakeSide();
    const server = new FakeSide();
    const outcome = relay({
      client,
      server,
      inspectClient: (chunk) => {
        if (chunk.toString() === 'stop') throw new Error('no');
        return [chunk.subarray(1)];
      },
      observeServer: () => {},
    });
    client.feed(Buffer.from('xabc'));
    await tick();
    client.feed(Buffer.from('stop'));
    const result = await outcome;
    expect(result.by).toBe('inspector');
    expect(Buffer.concat(server.written).toString()).toBe('abc');
  });

  it('shows server bytes to the observer and reports who ended', async () => {
    const client = new FakeSide();
    const server = new FakeSide();
    const seen: Buffer[] = [];
    const outcome = relay({ client, server, inspectClient: (c) => [c], observeServer: (c) => seen.push(c) });
    server.feed(Buffer.from('row'));
    server.feed(null);
    expect(await outcome).toEqual({ by: 'server' });
    expect(Buffer.concat(seen).toString()).toBe('row');
    expect(Buffer.concat(client.written).toString()).toBe('row');
  });
});
