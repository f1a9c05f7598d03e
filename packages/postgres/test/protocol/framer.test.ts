import { describe, expect, it } from 'vitest';
import { MessageFramer, ProtocolError } from '../../src/index';
import type { Frame } from '../../src/index';
import { everySplit, hex } from '@postern/testing/bytes';
import { frontend, startup } from './samples';

function drain(framer: MessageFramer): Frame[] {
  const frames: Frame[] = [];
  for (let f = framer.next(); f; f = framer.next()) frames.push(f);
  return frames;
}

describe('MessageFramer, typed messages', () => {
  const messages = Object.values(frontend);
  const stream = Buffer.concat(messages);

  it('returns a message fed whole, as a view of the chunk', () => {
    const framer = new MessageFramer();
    const chunk = Buffer.from(frontend.query);
    framer.push(chunk);
    const frame = framer.next()!;
    expect(frame.code).toBe(0x51);
    expect(frame.body).toEqual(hex('73656c6563742031 00'));
    expect(frame.raw).toEqual(frontend.query);
    expect(frame.raw.buffer).toBe(chunk.buffer); // no copy
    expect(framer.next()).toBeUndefined();
    expect(framer.bufferedBytes).toBe(0);
  });

  it('waits for the rest when a message is split at any byte', () => {
    for (const message of messages) {
      for (const [head, tail] of everySplit(message)) {
        const framer = new MessageFramer();
        framer.push(head);
        if (head.length < message.length) expect(framer.next()).toBeUndefined();
        framer.push(tail);
        const frames = drain(framer);
        expect(frames.map((f) => f.raw)).toEqual([message]);
      }
    }
  });

  it('frames a whole stream cut at every pair of points', () => {
    for (let i = 0; i <= stream.length; i += 3) {
      for (let j = i; j <= stream.length; j += 7) {
        const framer = new MessageFramer();
        const frames: Frame[] = [];
        for (const part of [stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)]) {
          framer.push(part);
          frames.push(...drain(framer));
        }
        expect(frames.map((f) => f.raw)).toEqual(messages);
      }
    }
  });

  it('returns two messages from one chunk, in order', () => {
    for (let k = 0; k + 1 < messages.length; k++) {
      const framer = new MessageFramer();
      framer.push(Buffer.concat([messages[k]!, messages[k + 1]!]));
      expect(drain(framer).map((f) => f.raw)).toEqual([messages[k], messages[k + 1]]);
    }
  });

  it('reassembles a 1 MiB message from many small chunks', () => {
    // Varied bytes, so a piece copied to the wrong place shows.
    const body = Buffer.from(Array.from({ length: 1024 * 1024 }, (_, i) => (i * 31 + (i >> 8)) & 0xff));
    const header = Buffer.alloc(5);
    header[0] = 0x64;
    header.writeInt32BE(body.length + 4, 1);
    const whole = Buffer.concat([header, body, frontend.sync]);
    const framer = new MessageFramer();
    const frames: Frame[] = [];
    for (let pos = 0; pos < whole.length; pos += 1000) {
      framer.push(whole.subarray(pos, pos + 1000));
      frames.push(...drain(framer));
    }
    expect(frames).toHaveLength(2);
    expect(frames[0]!.body.equals(body)).toBe(true);
    expect(frames[0]!.raw.equals(whole.subarray(0, 5 + body.length))).toBe(true);
    expect(frames[1]!.raw).toEqual(frontend.sync);
  });

  it('refuses a declared length over the cap as soon as the header is in', () => {
    const framer = new MessageFramer();
    // 'Q' declaring 100 MiB, with only the header sent
    framer.push(hex('51 06400000'));
    expect(() => framer.next()).toThrow(ProtocolError);
    expect(() => framer.next()).toThrow(/100 MiB.*64 MiB/);
  });

  it('accepts exactly the cap and refuses one byte more', () => {
    const framer = new MessageFramer({ maxLength: 16 });
    framer.push(hex('64 00000010 000102030405060708090a0b'));
    expect(framer.next()!.body).toHaveLength(12);
    framer.push(hex('64 00000011'));
    expect(() => framer.next()).toThrow(/over the limit of 16 bytes/);
  });

  it('refuses lengths below 4, including negative ones', () => {
    for (const bad of ['51 00000003', '51 ffffffff', '51 80000000']) {
      const framer = new MessageFramer();
      framer.push(hex(bad));
      expect(() => framer.next()).toThrow(ProtocolError);
    }
  });

  it('stays failed after an error', () => {
    const framer = new MessageFramer();
    framer.push(hex('51 00000000'));
    expect(() => framer.next()).toThrow(ProtocolError);
    framer.push(frontend.sync);
    expect(() => framer.next()).toThrow(ProtocolError);
  });

  it('hands back unframed bytes with remainder()', () => {
    const framer = new MessageFramer();
    framer.push(Buffer.concat([frontend.sync, frontend.query.subarray(0, 3)]));
    framer.push(frontend.query.subarray(3, 6));
    expect(framer.next()!.raw).toEqual(frontend.sync);
    expect(framer.next()).toBeUndefined();
    expect(framer.remainder()).toEqual(frontend.query.subarray(0, 6));
    expect(framer.bufferedBytes).toBe(0);
    expect(framer.remainder()).toHaveLength(0);
  });
});

describe('MessageFramer, startup packets', () => {
  const packets = [startup.sslRequest, startup.startupMessage, startup.cancelRequest];

  it('frames packets without a type byte, split at every byte and two to a chunk', () => {
    for (const packet of packets) {
      for (const [head, tail] of everySplit(packet)) {
        const framer = new MessageFramer({ startup: true });
        framer.push(head);
        framer.push(tail);
        const frame = framer.next()!;
        expect(frame.code).toBe(0);
        expect(frame.raw).toEqual(packet);
        expect(frame.body).toEqual(packet.subarray(4));
      }
    }
    const framer = new MessageFramer({ startup: true });
    framer.push(Buffer.concat([startup.sslRequest, startup.startupMessage]));
    expect(drain(framer).map((f) => f.raw)).toEqual([startup.sslRequest, startup.startupMessage]);
  });

  it('caps startup packets at 10 KiB and refuses ones shorter than 8 bytes', () => {
    const big = new MessageFramer({ startup: true });
    big.push(hex('00002801'));
    expect(() => big.next()).toThrow(/startup packet declares 10241 bytes, over the limit of 10 KiB/);
    const small = new MessageFramer({ startup: true });
    small.push(hex('00000007 000300'));
    expect(() => small.next()).toThrow(/below the minimum of 8/);
  });

  it('reads an HTTP request as an oversized packet, not a hang', () => {
    const framer = new MessageFramer({ startup: true });
    framer.push(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(() => framer.next()).toThrow(ProtocolError);
  });
});
