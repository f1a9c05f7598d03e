import { describe, expect, it } from 'vitest';
import { framePacket, MAX_PART_LENGTH, nextSequenceId, PacketFramer, PacketReader, ProtocolError } from '../../src/index';
import type { Packet, PacketPart } from '../../src/index';
import { everySplit, hex } from '@postern/testing/bytes';
import { client, commands, packet, server } from './samples';

function drainParts(framer: PacketFramer): PacketPart[] {
  const parts: PacketPart[] = [];
  for (let p = framer.next(); p; p = framer.next()) parts.push(p);
  return parts;
}

function drainPackets(reader: PacketReader): Packet[] {
  const packets: Packet[] = [];
  for (let p = reader.next(); p; p = reader.next()) packets.push(p);
  return packets;
}

/** Varied bytes, so a piece copied to the wrong place shows. */
function pattern(length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + (i >> 8)) & 0xff;
  return out;
}

/** A payload of `length` as it goes on the wire, built here with plain header arithmetic. */
function wire(payload: Buffer, sequenceId: number): Buffer {
  const pieces: Buffer[] = [];
  let offset = 0;
  let seq = sequenceId;
  for (;;) {
    const length = Math.min(0xffffff, payload.length - offset);
    pieces.push(packet(payload.subarray(offset, offset + length), seq));
    offset += length;
    seq = (seq + 1) % 256;
    if (length < 0xffffff) return Buffer.concat(pieces);
  }
}

const MiB = 1024 * 1024;

describe('PacketFramer', () => {
  const payloads = [server.greeting, client.sslRequest, commands.query, server.ok, commands.quit, Buffer.alloc(0)];
  const stream = Buffer.concat(payloads.map((p, i) => packet(p, i)));

  it('returns a packet fed whole, as a view of the chunk', () => {
    const framer = new PacketFramer();
    const chunk = hex('09000000 03 73656c6563742031');
    framer.push(chunk);
    const part = framer.next()!;
    expect(part).toMatchObject({ sequenceId: 0, first: true, last: true });
    expect(part.payload).toEqual(commands.query);
    expect(part.raw).toEqual(chunk);
    expect(part.raw.buffer).toBe(chunk.buffer); // no copy
    expect(framer.next()).toBeUndefined();
    expect(framer.atBoundary).toBe(true);
  });

  it('waits for the rest when a packet is split at any byte', () => {
    for (const [i, payload] of payloads.entries()) {
      const bytes = packet(payload, i);
      for (const [head, tail] of everySplit(bytes)) {
        const framer = new PacketFramer();
        framer.push(head);
        if (head.length < bytes.length) expect(framer.next()).toBeUndefined();
        framer.push(tail);
        const parts = drainParts(framer);
        expect(parts.map((p) => [p.sequenceId, p.payload])).toEqual([[i, payload]]);
      }
    }
  });

  it('frames a whole stream cut at every pair of points, and two packets to a chunk', () => {
    for (let i = 0; i <= stream.length; i += 3) {
      for (let j = i; j <= stream.length; j += 11) {
        const framer = new PacketFramer();
        const parts: PacketPart[] = [];
        for (const piece of [stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)]) {
          framer.push(piece);
          parts.push(...drainParts(framer));
        }
        expect(parts.map((p) => p.payload)).toEqual(payloads);
        expect(Buffer.concat(parts.map((p) => p.raw))).toEqual(stream);
      }
    }
  });

  it('refuses a packet over the cap as soon as its header is in', () => {
    const framer = new PacketFramer({ maxPacketLength: 16 });
    framer.push(hex('10000000 000102030405060708090a0b0c0d0e0f'));
    expect(framer.next()!.payload).toHaveLength(16);
    framer.push(hex('11000001'));
    expect(() => framer.next()).toThrow(ProtocolError);
    expect(() => framer.next()).toThrow(/17 bytes is over the limit of 16 bytes/);
  });

  it('caps the reassembled size of a packet in parts, not only each part (64 MiB by default)', () => {
    const framer = new PacketFramer({ maxPacketLength: 0xffffff + 10 });
    // The first part fits; the second's header brings the total over.
    framer.push(hex('ffffff00'));
    framer.push(Buffer.alloc(0xffffff));
    const firstPart = framer.next()!;
    expect([firstPart.first, firstPart.last]).toEqual([true, false]);
    framer.push(hex('0b000001'));
    let error: unknown;
    try {
      framer.next();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).reply).toEqual({ code: 1153, sqlState: '08S01' });
    expect(String(error)).toMatch(/at least 16777226 bytes/);

    const defaults = new PacketFramer();
    for (let seq = 0; seq < 4; seq++) {
      defaults.push(Buffer.concat([hex(`ffffff${seq.toString(16).padStart(2, '0')}`), Buffer.alloc(0xffffff)]));
      expect(defaults.next()!.last).toBe(false);
    }
    // 4 × (2^24 - 1) + 5 > 64 MiB
    defaults.push(hex('05000004'));
    expect(() => defaults.next()).toThrow(/over the limit of 64 MiB/);
  });
});

describe('packets of 16 MiB and more', () => {
  const cases: [string, number, string[]][] = [
    ['exactly 2^24 - 1 bytes: a full part and an empty one', MAX_PART_LENGTH, ['ffffff00', '00000001']],
    ['2^24 bytes: a full part and a 1-byte one', MAX_PART_LENGTH + 1, ['ffffff00', '01000001']],
    ['20 MiB: a full part and the rest', 20 * MiB, ['ffffff00', '01004001']],
    ['2 × (2^24 - 1): two full parts and an empty one', 2 * MAX_PART_LENGTH, ['ffffff00', 'ffffff01', '00000002']],
  ];

  it.each(cases)('%s', (_name, length, headers) => {
    const payload = pattern(length);
    const bytes = framePacket(payload, 0);
    // The headers, where hand arithmetic says they are.
    let offset = 0;
    for (const header of headers) {
      expect(bytes.subarray(offset, offset + 4).toString('hex')).toBe(header);
      offset += 4 + bytes.readUIntLE(offset, 3);
    }
    expect(offset).toBe(bytes.length);
    // Big buffers are compared with equals(): a deep-equality diff of 20 MiB takes ages.
    expect(bytes.equals(wire(payload, 0))).toBe(true);
    expect(nextSequenceId(0, length)).toBe(headers.length);

    // Reassembled from chunks that cut everywhere, headers included.
    const reader = new PacketReader();
    const packets: Packet[] = [];
    for (let pos = 0; pos < bytes.length; pos += 1_000_003) {
      reader.push(bytes.subarray(pos, pos + 1_000_003));
      packets.push(...drainPackets(reader));
    }
    expect(packets).toHaveLength(1);
    expect(packets[0]!.sequenceId).toBe(0);
    expect(packets[0]!.lastSequenceId).toBe(headers.length - 1);
    expect(packets[0]!.payload.equals(payload)).toBe(true);
  });

  it('tells a first part from a continuation, and wraps sequence ids at 256', () => {
    const framer = new PacketFramer();
    framer.push(wire(pattern(MAX_PART_LENGTH + 3), 255));
    framer.push(packet(commands.ping, 0));
    const parts = drainParts(framer);
    expect(parts.map((p) => [p.sequenceId, p.first, p.last, p.payload.length])).toEqual([
      [255, true, false, MAX_PART_LENGTH],
      [0, false, true, 3],
      [0, true, true, 1],
    ]);
    expect(framer.atBoundary).toBe(true);
  });

  it('is mid-packet after a full part and before its continuation', () => {
    const framer = new PacketFramer();
    framer.push(Buffer.concat([hex('ffffff00'), Buffer.alloc(MAX_PART_LENGTH)]));
    framer.next();
    expect(framer.atBoundary).toBe(false);
  });
});

describe('PacketReader', () => {
  it('hands back what it has not returned, unfinished parts included', () => {
    const reader = new PacketReader();
    const first = packet(client.sslRequest, 1);
    const rest = hex('16030100 05'); // the start of a TLS ClientHello, sent right after
    reader.push(Buffer.concat([first, rest]));
    expect(reader.next()!.payload).toEqual(client.sslRequest);
    expect(reader.remainder()).toEqual(rest);
    expect(reader.bufferedBytes).toBe(0);
  });
});
