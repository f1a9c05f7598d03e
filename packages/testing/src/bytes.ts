/**
 * Expected bytes are written out by hand as hex, independently of the serializer, so a
 * bug in the writer cannot hide behind a test that uses the same writer. Spaces and `|`
 * separators are for readability only.
 */
export function hex(text: string): Buffer {
  const clean = text.replace(/[\s|]/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(clean)) throw new Error(`bad hex in test: ${text}`);
  return Buffer.from(clean, 'hex');
}

/** Every way to cut `bytes` in two: [head, tail] for each boundary, including the ends. */
export function everySplit(bytes: Buffer): [Buffer, Buffer][] {
  const splits: [Buffer, Buffer][] = [];
  for (let i = 0; i <= bytes.length; i++) splits.push([bytes.subarray(0, i), bytes.subarray(i)]);
  return splits;
}

/** A small deterministic PRNG (mulberry32), so a failing fuzz case can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
