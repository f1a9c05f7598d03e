import type { Socket } from 'node:net';

export type FirstBytes =
  | { kind: 'tls' } // a TLS ClientHello: HTTPS or an agent's tunnel, told apart by ALPN
  | { kind: 'postgres' } // a PostgreSQL startup-phase packet (SSLRequest, CancelRequest, …)
  | { kind: 'http' } // plain HTTP on the TLS port
  | { kind: 'unknown' };

const HTTP_METHODS = /^(GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH) /;

export function classify(head: Buffer): FirstBytes {
  if (head[0] === 0x16) return { kind: 'tls' };
  if (HTTP_METHODS.test(head.subarray(0, 8).toString('latin1'))) return { kind: 'http' };
  // Startup-phase packets start with an int32 length; every real one is 8..10 KiB.
  if (head.length >= 4) {
    const len = head.readInt32BE(0);
    if (len >= 8 && len <= 10_240) return { kind: 'postgres' };
  }
  return { kind: 'unknown' };
}

/** Waits for the first bytes without consuming them (they are put back for the next reader). */
export function peek(socket: Socket, want: number, timeoutMs: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const done = (value: Buffer | null) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
      socket.pause();
      if (got.length > 0) socket.unshift(got);
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= want) done(got);
    };
    const onEnd = () => done(null);
    const timer = setTimeout(() => done(got.length > 0 ? got : null), timeoutMs);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onEnd);
  });
}
