import type { Duplex } from 'node:stream';
import type { Frame, MessageFramer } from '../protocol/framer';

export class ReadTimeoutError extends Error {
  override name = 'ReadTimeoutError';
}

/**
 * Waits for the next complete message on `stream`. Resolves null when the stream ends
 * first; rejects with the framer's ProtocolError, the stream's error, or a
 * ReadTimeoutError at `deadline` (ms since epoch).
 *
 * Leaves the stream paused with no listeners of its own, so the caller can hand it on
 * (to a TLS upgrade, or a relay) without losing a byte: whatever arrived after the
 * message stays in the framer.
 */
export function readFrame(stream: Duplex, framer: MessageFramer, deadline?: number): Promise<Frame | null> {
  try {
    const ready = framer.next();
    if (ready) return Promise.resolve(ready);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  if (stream.readableEnded || stream.destroyed) return Promise.resolve(null);

  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      framer.push(chunk);
      let frame: Frame | undefined;
      try {
        frame = framer.next();
      } catch (err) {
        settle();
        reject(err as Error);
        return;
      }
      if (frame) {
        settle();
        resolve(frame);
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
            reject(new ReadTimeoutError('timed out waiting for a message'));
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

/**
 * Waits for the first chunk of bytes, whatever they are; null if the stream ends first.
 * Used to tell a TLS ClientHello from a PostgreSQL packet before framing anything.
 */
export function readChunk(stream: Duplex, deadline?: number): Promise<Buffer | null> {
  if (stream.readableEnded || stream.destroyed) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      settle();
      resolve(chunk);
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
            reject(new ReadTimeoutError('timed out waiting for data'));
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
    stream.resume();
  });
}
