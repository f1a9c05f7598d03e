import { prng } from './bytes';

// The loop of a codec's fuzz test: garbled input, fed in random pieces to everything that
// reads peer bytes, which may refuse it only with the protocol's own error. What to garble
// and what to run stay with each protocol's test.

export interface FuzzOptions {
  /** Seeds the PRNG: a failure names it, with the iteration and the input, to be replayed. */
  seed: number;
  iterations: number;
  /** One garbled input. */
  garble(random: () => number): Buffer;
  /** Runs everything that reads `input`; returns what it threw, or undefined. */
  exercise(input: Buffer, random: () => number): unknown;
  /** The one error the codec may throw. */
  isProtocolError(err: unknown): boolean;
}

export interface FuzzTally {
  /** Inputs refused with the protocol's error. */
  protocolErrors: number;
  /** Inputs read without an error. */
  clean: number;
}

/**
 * Runs `iterations` inputs (one or two garbled pieces each) through `exercise`. Throws on
 * anything but the protocol's error; the tally lets the test check that both outcomes
 * occur, or the generator tests nothing.
 */
export function fuzz(opts: FuzzOptions): FuzzTally {
  const random = prng(opts.seed);
  const tally: FuzzTally = { protocolErrors: 0, clean: 0 };
  for (let i = 0; i < opts.iterations; i++) {
    const input = Buffer.concat([opts.garble(random), random() < 0.5 ? opts.garble(random) : Buffer.alloc(0)]);
    const thrown = opts.exercise(input, random);
    if (thrown === undefined) tally.clean++;
    else if (opts.isProtocolError(thrown)) tally.protocolErrors++;
    else throw new Error(`iteration ${i} (seed ${opts.seed}) threw ${String(thrown)} for ${input.toString('hex')}`);
  }
  return tally;
}

/** `input` in pieces of 1 to 16 bytes, as a socket might deliver it; drawn lazily, so other draws may come between. */
export function* randomPieces(input: Buffer, random: () => number): Generator<Buffer> {
  let pos = 0;
  while (pos < input.length) {
    const step = 1 + Math.floor(random() * 16);
    yield input.subarray(pos, pos + step);
    pos += step;
  }
}

/** One of `list`. */
export function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!;
}

/** n random bytes. */
export function noise(random: () => number, n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
}
