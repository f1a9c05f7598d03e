import { describe, expect, it } from 'vitest';
import { encodeFrame, encodeMessage, FrameDecoder, FrameError } from '../src/frames';
import { clientMessage, cut, serverMessage } from '../src/protocol';

describe('frames', () => {
  it('round-trips messages split at any byte', () => {
    const messages = [{ type: 'ready' }, { type: 'rows', rows: [['ä', null]] }, { type: 'x'.repeat(70_000) }];
    const bytes = Buffer.concat(messages.map((m) => encodeMessage(m)));
    for (const step of [1, 3, 7, 4096, bytes.length]) {
      const decoder = new FrameDecoder();
      const got: unknown[] = [];
      for (let i = 0; i < bytes.length; i += step) for (const f of decoder.push(bytes.subarray(i, i + step))) got.push(JSON.parse(f.toString('utf8')));
      expect(got).toEqual(messages);
      expect(decoder.pending).toBe(0);
    }
  });

  it('refuses a frame over the limit, on both sides', () => {
    expect(() => encodeFrame('x'.repeat(101), 100)).toThrow(FrameError);
    const decoder = new FrameDecoder(100);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(101);
    expect(() => decoder.push(head)).toThrow(/101 bytes, over the limit of 100/);
  });
});

describe('protocol', () => {
  it('validates client messages strictly', () => {
    expect(clientMessage.safeParse({ type: 'run', id: 'r1', sql: 'select 1' }).success).toBe(true);
    expect(clientMessage.safeParse({ type: 'fetch', id: 'r1', rows: 0 }).success).toBe(false);
    expect(clientMessage.safeParse({ type: 'fetch', id: 'r1', rows: 100, extra: 1 }).success).toBe(false);
    expect(clientMessage.safeParse({ type: 'drop', id: 'r1' }).success).toBe(false);
  });

  it('describes server messages', () => {
    expect(serverMessage.safeParse({ type: 'done', id: 'r', stmt: 0, rowCount: 3, command: 'SELECT', ms: 1.5 }).success).toBe(true);
    expect(serverMessage.safeParse({ type: 'rows', id: 'r', stmt: 0, rows: [[1]] }).success).toBe(false);
  });

  it('cuts long cells and says how long they were', () => {
    expect(cut('abcdef', 3)).toBe('abc… [6 characters in all]');
    expect(cut('abc', 3)).toBe('abc');
  });
});
