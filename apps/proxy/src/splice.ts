import type { Duplex } from 'node:stream';

/**
 * How long a tunnel stream whose client has said goodbye may take to end from the agent's
 * side before it is reset after all. The agent ends it as soon as its database closes,
 * which is at once after a Terminate or COM_QUIT; this only bounds a stuck one.
 */
export const GOODBYE_GRACE_MS = 5_000;

/**
 * Copies bytes both ways between a database client and its tunnel stream until both
 * directions are done. An end is passed on as an end (half-close); an error, or a side
 * that closes without ending, destroys both. Resolves once both directions are over.
 *
 * This is stream.pipeline's behaviour with less per chunk: one 'data' listener and a
 * write, with pipe-style backpressure (the source pauses while its destination's buffer
 * is full). `observeUpstream` sees the server's chunks as they pass, until it returns
 * false, so a watcher that is only needed at startup costs nothing afterwards.
 *
 * The tunnel stream is reset only when there is something to cancel. A client that says
 * goodbye and closes its socket before the agent's end arrives (psql, pgbench -C: every
 * client that sends Terminate and closes) leaves its stream to be drained until the agent
 * ends it. The agent's HTTP/2 server counts resets it receives and ends the whole tunnel,
 * every session in it, past 1,000 plus 33 a second (nghttp2's rapid-reset defence), so a
 * reset per finished connection brought the tunnel down after a few thousand.
 */
export function splice(client: Duplex, upstream: Duplex, observeUpstream?: (chunk: Buffer) => boolean): Promise<void> {
  return new Promise<void>((resolve) => {
    let open = 2;
    const over = (): void => {
      if (--open === 0) resolve();
    };
    const abort = (): void => {
      client.destroy();
      // The agent has said all it will: ending our side finishes the stream without a reset.
      if (upstream.readableEnded) endOnce(upstream);
      else upstream.destroy();
    };
    pump(client, upstream, { over, abort, goodbyeSaid: () => false });
    pump(upstream, client, { over, abort, goodbyeSaid: () => client.readableEnded, observe: observeUpstream });
  });
}

interface PumpHooks {
  over(): void;
  abort(): void;
  /** True when the destination's own end was already passed on: its going away is a goodbye, not a failure. */
  goodbyeSaid(): boolean;
  observe?: (chunk: Buffer) => boolean;
}

function pump(source: Duplex, destination: Duplex, hooks: PumpHooks): void {
  const { observe } = hooks;
  let done = false;
  let watching = observe !== undefined;
  const finish = (failed: boolean): void => {
    if (done) return;
    done = true;
    source.off('data', onData);
    destination.off('drain', onDrain);
    if (failed) hooks.abort();
    hooks.over();
  };
  const onData = (chunk: Buffer): void => {
    if (watching) watching = observe!(chunk);
    if (!destination.write(chunk)) {
      source.pause();
      destination.once('drain', onDrain);
    }
  };
  const onDrain = (): void => {
    if (!done) source.resume();
  };
  source.on('data', onData);
  source.once('end', () => {
    endOnce(destination);
    finish(false);
  });
  // Closing without an end is an abort (a reset socket, a cancelled stream).
  source.once('close', () => finish(!source.readableEnded));
  source.on('error', () => finish(true));
  // A destination that goes away while we still have bytes for it: nobody will read them.
  destination.once('close', () => {
    if (source.readableEnded || done) return;
    if (!hooks.goodbyeSaid()) return finish(true);
    finish(false);
    drainUntilEnd(source);
  });
  destination.on('error', () => finish(true));
  if (source.readableEnded) {
    endOnce(destination);
    finish(false);
  } else if (source.destroyed) {
    finish(true);
  } else {
    source.resume();
  }
}

/** Reads and drops what is left until the stream ends; resets it if that takes longer than the grace. */
function drainUntilEnd(stream: Duplex): void {
  const cut = setTimeout(() => stream.destroy(), GOODBYE_GRACE_MS);
  cut.unref();
  stream.on('data', () => {});
  stream.once('close', () => clearTimeout(cut));
  stream.once('end', () => clearTimeout(cut));
  stream.resume();
}

/**
 * Ends a stream unless it is ended or destroyed already. Node's end() on such a stream
 * does nothing but build an error nobody receives (ERR_STREAM_ALREADY_FINISHED, with its
 * stack trace), and that is the usual case here: a client socket ends its own writable
 * side when the client hangs up (allowHalfOpen is off), before the agent's end arrives.
 * It was about 2 % of the proxy's CPU under pgbench -C.
 */
function endOnce(stream: Duplex): void {
  if (!stream.writableEnded && !stream.destroyed) stream.end();
}
