import type { Duplex } from 'node:stream';
import { readNext } from '@postern/engine';
import type { Packet, PacketReader } from '../protocol/packet-reader';

export { ReadTimeoutError } from '@postern/engine';

/** The next complete logical packet on `stream` (see readNext: null at the end, paused after). */
export function readPacket(stream: Duplex, reader: PacketReader, deadline?: number): Promise<Packet | null> {
  return readNext(stream, reader, deadline, 'a packet');
}
