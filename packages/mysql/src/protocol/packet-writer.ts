import { HEADER_LENGTH, MAX_PART_LENGTH } from './constants';

/**
 * Frames a payload as it goes on the wire: parts of at most 2^24 - 1 bytes with
 * consecutive sequence ids (wrapping at 256). A payload whose length is a multiple of
 * 2^24 - 1 ends with an empty part, so the reader knows it is over.
 */
export function framePacket(payload: Buffer, sequenceId: number): Buffer {
  const parts: Buffer[] = [];
  let seq = sequenceId & 0xff;
  let offset = 0;
  for (;;) {
    const length = Math.min(MAX_PART_LENGTH, payload.length - offset);
    const header = Buffer.alloc(HEADER_LENGTH);
    header.writeUIntLE(length, 0, 3);
    header[3] = seq;
    parts.push(header, payload.subarray(offset, offset + length));
    offset += length;
    seq = (seq + 1) & 0xff;
    if (length < MAX_PART_LENGTH) break;
  }
  return Buffer.concat(parts);
}

/** The sequence id after a packet of `length` payload bytes that started at `sequenceId`. */
export function nextSequenceId(sequenceId: number, length: number): number {
  const parts = Math.floor(length / MAX_PART_LENGTH) + 1;
  return (sequenceId + parts) & 0xff;
}
