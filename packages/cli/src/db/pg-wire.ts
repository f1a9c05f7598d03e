import type { Socket } from 'node:net';

// The few PostgreSQL wire messages a local tunnel must understand before it can relay
// bytes: the requests a client sends first, and an ErrorResponse to explain a failure in
// terms every client shows to its user.

export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;
/** PostgreSQL's own limit for a startup packet. */
export const MAX_STARTUP_LENGTH = 10_000;

export function sslRequest(): Buffer {
  const b = Buffer.alloc(8);
  b.writeInt32BE(8, 0);
  b.writeInt32BE(SSL_REQUEST_CODE, 4);
  return b;
}

export type FirstMessage =
  | { kind: 'startup'; bytes: Buffer; params: Record<string, string> }
  | { kind: 'cancel'; bytes: Buffer };

export class PgWireError extends Error {
  override name = 'PgWireError';
}

function startupParams(msg: Buffer): Record<string, string> {
  const parts = msg.subarray(8).toString('utf8').split('\0');
  const params: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2) params[parts[i]!] = parts[i + 1]!;
  return params;
}

/**
 * Reads what a client sends before its session starts. SSLRequest and GSSENCRequest are
 * answered 'N' (the local leg stays plain: the client cannot present a certificate, which
 * is why it uses the tunnel); the StartupMessage or CancelRequest that follows is returned.
 * Bytes read beyond it go back into the socket, which is left paused for the relay.
 */
export function readFirstMessage(socket: Socket, timeoutMs = 30_000): Promise<FirstMessage> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const finish = (err: Error | null, msg?: FirstMessage) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      socket.pause();
      if (!err && buf.length > 0) socket.unshift(buf);
      if (err) reject(err);
      else resolve(msg!);
    };
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 8) {
        const len = buf.readInt32BE(0);
        if (len < 8 || len > MAX_STARTUP_LENGTH) return finish(new PgWireError(`invalid startup packet length ${len}: is this a PostgreSQL client?`));
        if (buf.length < len) return;
        const msg = buf.subarray(0, len);
        buf = buf.subarray(len);
        const code = msg.readInt32BE(4);
        if (code === SSL_REQUEST_CODE || code === GSSENC_REQUEST_CODE) {
          socket.write('N');
          continue;
        }
        if (code === CANCEL_REQUEST_CODE && len === 16) return finish(null, { kind: 'cancel', bytes: Buffer.from(msg) });
        if (code >>> 16 === 3) return finish(null, { kind: 'startup', bytes: Buffer.from(msg), params: startupParams(msg) });
        return finish(new PgWireError(`unsupported frontend protocol ${code >>> 16}.${code & 0xffff}`));
      }
    };
    const onEnd = () => finish(new PgWireError('the client closed the connection before its startup message'));
    const onError = (err: Error) => finish(err);
    const timer = setTimeout(() => finish(new PgWireError(`no startup message within ${timeoutMs / 1000} s`)), timeoutMs);
    // A silent client must not keep the process alive after Ctrl-C.
    timer.unref();
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onError);
  });
}

/** An ErrorResponse, as a server sends it; psql prints "FATAL:  <message>". */
export function errorResponse(message: string, sqlstate = '08006', severity = 'FATAL'): Buffer {
  const field = (code: string, value: string) => Buffer.concat([Buffer.from(code, 'ascii'), Buffer.from(value, 'utf8'), Buffer.from([0])]);
  const body = Buffer.concat([field('S', severity), field('V', severity), field('C', sqlstate), field('M', message), Buffer.from([0])]);
  const head = Buffer.alloc(5);
  head.write('E', 0, 'ascii');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
