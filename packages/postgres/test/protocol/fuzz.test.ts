import { describe, expect, it } from 'vitest';
import {
  describeWireValues,
  MessageBoundaryTracker,
  MessageFramer,
  parseBackendMessage,
  parseFrontendMessage,
  parseStartupPacket,
  ProtocolError,
} from '../../src/index';
import { prng } from '@postern/testing/bytes';
import { backend, frontend, startup } from './samples';

const ITERATIONS = 5_000;
const samples = [...Object.values(frontend), ...Object.values(backend)];
const startupSamples = Object.values(startup);

/** Garbled input of several kinds: pure noise, real messages with bytes flipped, cut, or with lies in their lengths. */
function garble(random: () => number, pool: Buffer[]): Buffer {
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!;
  const noise = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
  switch (Math.floor(random() * 5)) {
    case 0:
      return noise(Math.floor(random() * 64));
    case 1: {
      const copy = Buffer.from(pick(pool));
      for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
      return copy;
    }
    case 2: {
      const message = pick(pool);
      return message.subarray(0, Math.floor(random() * message.length));
    }
    case 3: {
      // A valid header with a random body: exercises every parser on nonsense contents.
      const code = pick([...'QPBECDSHXFdcfpRKZNv'].map((c) => c.charCodeAt(0)));
      const body = noise(Math.floor(random() * 40));
      const header = Buffer.alloc(5);
      header[0] = code;
      header.writeInt32BE(body.length + 4, 1);
      return Buffer.concat([header, body]);
    }
    default: {
      const copy = Buffer.from(pick(pool));
      copy.writeInt32BE(Math.floor(random() * 2 ** 32) - 2 ** 31, copy.length >= 5 && random() < 0.5 ? 1 : 0);
      return copy;
    }
  }
}

/** Runs everything that reads bytes; returns what it threw, if anything. */
function exercise(input: Buffer, random: () => number, startupMode: boolean): unknown {
  const framer = new MessageFramer({ startup: startupMode, maxLength: random() < 0.3 ? 32 : undefined });
  const tracker = new MessageBoundaryTracker();
  try {
    // Fed in random pieces, to mix framing states with parser states.
    let pos = 0;
    while (pos < input.length) {
      const step = 1 + Math.floor(random() * 16);
      const piece = input.subarray(pos, pos + step);
      pos += step;
      framer.push(piece);
      tracker.push(piece);
      void tracker.atBoundary;
      for (let frame = framer.next(); frame; frame = framer.next()) {
        if (startupMode) {
          parseStartupPacket(frame);
          continue;
        }
        const message = parseFrontendMessage(frame);
        if (message.type === 'bind') describeWireValues(message.parameters, message.parameterFormats);
        if (message.type === 'functionCall') describeWireValues(message.arguments, message.argumentFormats);
        parseBackendMessage(frame);
      }
    }
    framer.remainder();
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('fuzz: garbled input never throws anything but ProtocolError', () => {
  it.each([
    ['typed messages', false, samples, 1],
    ['startup packets', true, startupSamples, 2],
  ] as const)('%s', (_name, startupMode, pool, seed) => {
    const random = prng(seed);
    let protocolErrors = 0;
    let clean = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const input = Buffer.concat([garble(random, [...pool]), random() < 0.5 ? garble(random, [...pool]) : Buffer.alloc(0)]);
      const thrown = exercise(input, random, startupMode);
      if (thrown === undefined) clean++;
      else if (thrown instanceof ProtocolError) protocolErrors++;
      else throw new Error(`iteration ${i} (seed ${seed}) threw ${String(thrown)} for ${input.toString('hex')}`);
    }
    // Both outcomes must occur, or the generator is not testing anything.
    expect(protocolErrors).toBeGreaterThan(ITERATIONS / 10);
    expect(clean).toBeGreaterThan(ITERATIONS / 10);
  });
});
