import type { Duplex } from 'node:stream';
import { readNext } from '@postern/engine';
import type { Frame, MessageFramer } from '../protocol/framer';

export { ReadTimeoutError, readChunk } from '@postern/engine';

/** The next complete message on `stream` (see readNext: null at the end, paused after). */
export function readFrame(stream: Duplex, framer: MessageFramer, deadline?: number): Promise<Frame | null> {
  return readNext(stream, framer, deadline, 'a message');
}
