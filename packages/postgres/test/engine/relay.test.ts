import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { relay } from '../../src/engine/relay';

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
    server.open = false; // a slow database: writes are not acknowledged
    const outcome = relay({ client, server, inspectClient: () => {}, observeServer: () => {} });
    const chunks = Array.from({ length: 50 }, (_, i) => Buffer.alloc(512, i));
    for (const chunk of chunks) client.feed(chunk);
    await tick();
    // 1 KiB high-water mark: after a few chunks the client stream stops flowing.
    expect(client.isPaused()).toBe(true);
    expect(server.written.length).toBeLessThan(10);
    server.release();
    for (let i = 0; i < 20 && server.written.length < chunks.length; i++) await tick();
    expect(Buffer.concat(server.written)).toEqual(Buffer.concat(chunks));
    client.feed(null);
    expect(await outcome).toEqual({ by: 'client' });
  });

  it('forwards server bytes to the client and reports who ended', async () => {
    const client = new FakeSide();
    const server = new FakeSide();
    const seen: Buffer[] = [];
    const outcome = relay({ client, server, inspectClient: () => {}, observeServer: (c) => seen.push(c) });
    server.feed(Buffer.from('row'));
    server.feed(null);
    expect(await outcome).toEqual({ by: 'server' });
    expect(Buffer.concat(client.written).toString()).toBe('row');
    expect(seen).toHaveLength(1);
  });

  it('withholds a chunk the inspector refuses, and stops', async () => {
    const client = new FakeSide();
    const server = new FakeSide();
    const refusal = new Error('no');
    const outcome = relay({
      client,
      server,
      inspectClient: (c) => {
        if (c.toString() === 'bad') throw refusal;
      },
      observeServer: () => {},
    });
    client.feed(Buffer.from('good'));
    client.feed(Buffer.from('bad'));
    client.feed(Buffer.from('after'));
    expect(await outcome).toEqual({ by: 'inspector', error: refusal });
    await tick();
    expect(server.written.map((b) => b.toString())).toEqual(['good']);
  });

  it('reports an error on either side', async () => {
    const client = new FakeSide();
    const server = new FakeSide();
    const outcome = relay({ client, server, inspectClient: () => {}, observeServer: () => {} });
    const boom = new Error('reset');
    server.destroy(boom);
    expect(await outcome).toEqual({ by: 'server', error: boom });
  });
});
