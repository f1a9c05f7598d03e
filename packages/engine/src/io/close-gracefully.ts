import type { Duplex } from 'node:stream';

/** How long a peer gets to read our last words and hang up before the socket is destroyed. */
export const DEFAULT_CLOSE_GRACE_MS = 5_000;

/**
 * Ends a stream politely: writes `lastWords`, sends FIN, and keeps reading (discarding)
 * until the peer closes too. Destroying at once would make the kernel answer any unread
 * client bytes with a RST, which can overtake the error message the client was meant to
 * read. A peer that does not hang up within `graceMs` is cut off. Never rejects.
 */
export function closeGracefully(stream: Duplex, lastWords?: Buffer, graceMs = DEFAULT_CLOSE_GRACE_MS): Promise<void> {
  if (stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      stream.destroy();
      // A stream created with emitClose: false would never say it closed.
      resolve();
    }, graceMs);
    stream.once('close', done);
    stream.on('error', () => {});
    stream.on('data', () => {});
    stream.resume();
    if (stream.writableEnded) return;
    if (lastWords) stream.end(lastWords);
    else stream.end();
  });
}
