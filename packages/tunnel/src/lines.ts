import type { Readable } from 'node:stream';
import { TunnelError } from './errors';

/**
 * Calls onLine for every newline-terminated line of a stream. A line longer than maxBytes is
 * an error rather than a buffer that grows for as long as the peer keeps sending.
 */
export function onLines(stream: Readable, maxBytes: number, onLine: (line: string) => void, onError: (err: Error) => void): void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  stream.on('data', (chunk: Buffer) => {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (pendingBytes + piece.length > maxBytes) return fail();
      const line = Buffer.concat([...pending, piece]).toString('utf8');
      pending = [];
      pendingBytes = 0;
      try {
        onLine(line);
      } catch (err) {
        stream.destroy();
        onError(err as Error);
        return;
      }
      if (stream.destroyed) return;
    }
    const rest = chunk.subarray(start);
    if (rest.length === 0) return;
    if (pendingBytes + rest.length > maxBytes) return fail();
    pending.push(rest);
    pendingBytes += rest.length;
  });

  function fail(): void {
    stream.destroy();
    onError(new TunnelError('protocol_error', `a line from the peer is longer than ${maxBytes} bytes`));
  }
}
