import type { Duplex } from 'node:stream';
import { serialize } from '../protocol/serializer';
import { closeGracefully } from '@postern/engine';

export interface ClientError {
  /** SQLSTATE; see SqlState. */
  code: string;
  /** What happened, in words a person can act on. */
  message: string;
  detail?: string;
  hint?: string;
}

/**
 * Tells a PostgreSQL client why it is being turned away (a FATAL ErrorResponse, which
 * psql prints as "FATAL: <message>") and closes the connection. Resolves once the socket
 * is closed; never rejects.
 */
export function sendError(socket: Duplex, error: ClientError, opts: { graceMs?: number } = {}): Promise<void> {
  const bytes = serialize.errorResponse({ severity: 'FATAL', ...error });
  return closeGracefully(socket, bytes, opts.graceMs);
}
