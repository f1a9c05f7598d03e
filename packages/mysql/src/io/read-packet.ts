import type { Duplex } from 'node:stream';
import type { Packet, PacketReader } from '../protocol/packet-reader';

export class ReadTimeoutError extends Error {
  override name = 'ReadTimeoutError';
}

/**
 * Waits for the next complete logical packet on `stream`. Resolves null when the stream
 * ends first; rejects with the reader's ProtocolError, the stream's error, or a
 * ReadTimeoutError at `deadline` (ms since epoch).
 *
 * Leaves the stream paused with no listeners of its own, so the caller can hand it on
 * (to a TLS upgrade, or a relay) without losing a byte: whatever arrived after the
 * packet stays in the reader.
 */
export function readPacket(stream: Duplex, reader: PacketReader, deadline?: number): Promise<Packet | null> {
  try {
    const ready = reader.next();
    if (ready) return Promise.resolve(ready);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  if (stream.readableEnded || stream.destroyed) return Promise.resolve(null);

  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      reader.push(chunk);
      let packet: Packet | undefined;
      try {
        packet = reader.next();
      } catch (err) {
        settle();
        reject(err as Error);
        return;
      }
      if (packet) {
        settle();
        resolve(packet);
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
            reject(new ReadTimeoutError('timed out waiting for a packet'));
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
