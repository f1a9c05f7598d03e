import { describe, expect, it } from 'vitest';
import {
  describeWireValues,
  MessageBoundaryTracker,
  MessageFramer,
  parseBackendMessage,
  parseFrontendMessage,
  parseStartupPacket,
  isProtocolError,
} from '../../src/index';
import { fuzz, noise, pick, randomPieces } from '@postern/testing/fuzz';
import { backend, frontend, startup } from './samples';

const ITERATIONS = 5_000;
const samples = [...Object.values(frontend), ...Object.values(backend)];
const startupSamples = Object.values(startup);

/** Garbled input of several kinds: pure noise, real messages with bytes flipped, cut, or with lies in their lengths. */
function garble(random: () => number, pool: Buffer[]): Buffer {
  switch (Math.floor(random() * 5)) {
    case 0:
      return noise(random, Math.floor(random() * 64));
    case 1: {
      const copy = Buffer.from(pick(random, pool));
      for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
      return copy;
    }
    case 2: {
      const message = pick(random, pool);
      return message.subarray(0, Math.floor(random() * message.length));
    }
    case 3: {
      // A valid header with a random body: exercises every parser on nonsense contents.
      const code = pick(random, [...'QPBECDSHXFdcfpRKZNv'].map((c) => c.charCodeAt(0)));
      const body = noise(random, Math.floor(random() * 40));
      const header = Buffer.alloc(5);
      header[0] = code;
      header.writeInt32BE(body.length + 4, 1);
      return Buffer.concat([header, body]);
    }
    default: {
      const copy = Buffer.from(pick(random, pool));
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
    for (const piece of randomPieces(input, random)) {
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
    const { protocolErrors, clean } = fuzz({
      seed,
      iterations: ITERATIONS,
      garble: (random) => garble(random, [...pool]),
      exercise: (input, random) => exercise(input, random, startupMode),
      isProtocolError,
    });
    // Both outcomes must occur, or the generator is not testing anything.
    expect(protocolErrors).toBeGreaterThan(ITERATIONS / 10);
    expect(clean).toBeGreaterThan(ITERATIONS / 10);
  });
});
