import type { Duplex } from 'node:stream';
import { buildErr } from '../protocol/packets/generic-response';
import { framePacket } from '../protocol/packet-writer';
import { closeGracefully } from '@postern/engine';

export interface ClientError {
  /** The MySQL error number (1045, 2003, …); see ErrorCode. */
  code: number;
  /** Five characters; see ErrorCode. */
  sqlState: string;
  /** What happened, in words a person can act on. The mysql client prints up to 511 bytes. */
  message: string;
}

/**
 * Tells a MySQL client why it is being turned away (an ERR packet, which the mysql client
 * prints as "ERROR 1045 (28000): <message>") and closes the connection. The client only
 * accepts the packet with the sequence id it expects next: 2 for an answer to a plain
 * HandshakeResponse41, 3 after SSLRequest + HandshakeResponse41, 1 for a command.
 * Resolves once the socket is closed; never rejects.
 */
export function sendError(socket: Duplex, error: ClientError, sequenceId: number, opts: { graceMs?: number } = {}): Promise<void> {
  return closeGracefully(socket, errorPacket(error, sequenceId), opts.graceMs);
}

export function errorPacket(error: ClientError, sequenceId: number): Buffer {
  return framePacket(buildErr(error), sequenceId);
}
