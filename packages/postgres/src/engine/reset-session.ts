import type { TLSSocket } from 'node:tls';
import { readFrame } from '../io/read-frame';
import { parseBackendMessage } from '../protocol/backend';
import { BackendCode } from '../protocol/codes';
import { MessageFramer } from '../protocol/framer';
import { serialize } from '../protocol/serializer';

export class SessionResetError extends Error {
  override name = 'SessionResetError';
}

/**
 * Runs DISCARD ALL on a connection whose client has left, and waits for it to finish: the
 * backend forgets the session's settings, prepared statements, temporary tables, cursors,
 * advisory locks and LISTENs, and is as a new one with the same startup would be.
 * Resolves only on the exact answer to that (the command's completion, then
 * ReadyForQuery outside a transaction), so a connection in any other state is not reused.
 */
export async function resetSession(socket: TLSSocket, deadline: number): Promise<void> {
  const framer = new MessageFramer();
  socket.write(serialize.query('DISCARD ALL'));
  let discarded = false;
  for (;;) {
    const frame = await readFrame(socket, framer, deadline);
    if (!frame) throw new SessionResetError('the database closed the connection during DISCARD ALL');
    const message = parseBackendMessage(frame);
    switch (message.type) {
      case 'commandComplete':
        if (message.tag !== 'DISCARD ALL') throw new SessionResetError(`unexpected ${message.tag} while resetting the session`);
        discarded = true;
        break;
      case 'readyForQuery':
        if (!discarded || message.status !== 'I') throw new SessionResetError(`the session did not reset (ReadyForQuery ${message.status})`);
        if (framer.bufferedBytes > 0) throw new SessionResetError('the database sent more after DISCARD ALL');
        return;
      // RESET ALL reports the settings it puts back; asynchronous notices may come too.
      case 'parameterStatus':
      case 'noticeResponse':
        break;
      case 'errorResponse':
        throw new SessionResetError(`DISCARD ALL failed: ${message.notice.message}`);
      default:
        // A NOTIFY that reached the session before its UNLISTEN.
        if (frame.code === BackendCode.NotificationResponse) break;
        throw new SessionResetError(`unexpected message '${String.fromCharCode(frame.code)}' while resetting the session`);
    }
  }
}
