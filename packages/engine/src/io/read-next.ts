import type { Duplex } from 'node:stream';

export class ReadTimeoutError extends Error {
  override name = 'ReadTimeoutError';
}

/** Something that is fed bytes and hands out whole units (messages, packets) as they complete. */
export interface UnitSource<T> {
  push(chunk: Buffer): void;
  /** The next complete unit, or undefined until more bytes arrive; may throw the protocol's error. */
  next(): T | undefined;
}

/**
 * Waits for the next complete unit from `source`, fed from `stream`. Resolves null when
 * the stream ends first; rejects with the source's error, the stream's error, or a
 * ReadTimeoutError at `deadline` (ms since epoch).
 *
 * Leaves the stream paused with no listeners of its own, so the caller can hand it on
 * (to a TLS upgrade, or a relay) without losing a byte: whatever arrived after the unit
 * stays in the source.
 */
export function readNext<T>(stream: Duplex, source: UnitSource<T>, deadline?: number, what = 'data'): Promise<T | null> {
  try {
    const ready = source.next();
    if (ready !== undefined) return Promise.resolve(ready);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  if (stream.readableEnded || stream.destroyed) return Promise.resolve(null);

  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      source.push(chunk);
      let unit: T | undefined;
      try {
        unit = source.next();
      } catch (err) {
        settle();
        reject(err as Error);
        return;
      }
      if (unit !== undefined) {
        settle();
        resolve(unit);
      }
    };
    const onEnd = (): void => {
      settle();
      resolve(null);
    };
    const onError = (err: Error): void => {
      settle();
      reject(err);
    };
    const timer =
      deadline === undefined
        ? undefined
        : setTimeout(() => {
            settle();
            reject(new ReadTimeoutError(`timed out waiting for ${what}`));
          }, Math.max(0, deadline - Date.now()));
    function settle(): void {
      stream.pause();
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onError);
      if (timer) clearTimeout(timer);
    }
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    stream.on('error', onError);
    // A stream paused earlier stays paused when a 'data' listener is added.
    stream.resume();
  });
}

/** The first chunk of bytes, whatever they are (to tell a TLS ClientHello from a packet). */
export function readChunk(stream: Duplex, deadline?: number): Promise<Buffer | null> {
  let pending: Buffer | undefined;
  const source: UnitSource<Buffer> = {
    push: (chunk) => void (pending = chunk),
    next: () => {
      const chunk = pending;
      pending = undefined;
      return chunk;
    },
  };
  return readNext(stream, source, deadline);
}
