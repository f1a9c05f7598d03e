import type { Duplex } from 'node:stream';

export type RelayOutcome =
  /** A side ended, closed or failed; the other side is still open and unread. */
  | { by: 'client' | 'server'; error?: Error }
  /** `inspectClient` threw: the chunk was withheld and both sides left open. */
  | { by: 'inspector'; error: unknown };

export interface RelayOptions {
  client: Duplex;
  server: Duplex;
  /**
   * Sees each client chunk before anything of it is forwarded and returns what to forward
   * (the chunk's bytes, possibly fewer); throwing withholds the chunk and stops the relay.
   */
  inspectClient(chunk: Buffer): readonly Buffer[];
  /** Sees each server chunk before it is forwarded. */
  observeServer(chunk: Buffer): void;
  /**
   * Asked after each client chunk is forwarded: true ends the relay as if the client had
   * ended (its goodbye was withheld from the server, which therefore will not hang up).
   */
  clientDone?(): boolean;
}

/**
 * Copies bytes both ways with pipe semantics: a source is paused while its destination's
 * buffer is full and resumed on 'drain', so a slow client cannot make the agent buffer a
 * whole result set. Resolves at the first end, close or error of either side, or when the
 * inspector objects, with both sides paused and no listeners of ours left: the caller
 * decides how to finish.
 */
export function relay(opts: RelayOptions): Promise<RelayOutcome> {
  const { client, server } = opts;
  return new Promise((resolve) => {
    let finished = false;
    const cleanups: (() => void)[] = [];
    const finish = (outcome: RelayOutcome): void => {
      if (finished) return;
      finished = true;
      for (const cleanup of cleanups) cleanup();
      client.pause();
      server.pause();
      resolve(outcome);
    };

    const pump = (source: Duplex, destination: Duplex, transform: (chunk: Buffer) => readonly Buffer[]): void => {
      let waiting = false;
      const onDrain = (): void => {
        waiting = false;
        if (!finished) source.resume();
      };
      const onData = (chunk: Buffer): void => {
        if (finished) return;
        let pieces: readonly Buffer[];
        try {
          pieces = transform(chunk);
        } catch (error) {
          finish({ by: 'inspector', error });
          return;
        }
        let full = false;
        for (const piece of pieces) if (!destination.write(piece)) full = true;
        if (full && !waiting) {
          waiting = true;
          source.pause();
          destination.once('drain', onDrain);
        }
      };
      source.on('data', onData);
      cleanups.push(() => {
        source.off('data', onData);
        destination.off('drain', onDrain);
      });
    };

    const watch = (stream: Duplex, by: 'client' | 'server'): void => {
      const onEnd = (): void => finish({ by });
      const onError = (error: Error): void => finish({ by, error });
      stream.on('end', onEnd);
      stream.on('close', onEnd);
      stream.on('error', onError);
      cleanups.push(() => {
        stream.off('end', onEnd);
        stream.off('close', onEnd);
        stream.off('error', onError);
      });
    };

    const { clientDone } = opts;
    pump(
      client,
      server,
      clientDone
        ? (chunk) => {
            const pieces = opts.inspectClient(chunk);
            if (clientDone()) queueMicrotask(() => finish({ by: 'client' }));
            return pieces;
          }
        : opts.inspectClient,
    );
    pump(server, client, (chunk) => {
      opts.observeServer(chunk);
      return [chunk];
    });
    watch(client, 'client');
    watch(server, 'server');
    if (client.destroyed || client.readableEnded) finish({ by: 'client' });
    else if (server.destroyed || server.readableEnded) finish({ by: 'server' });
    client.resume();
    server.resume();
  });
}
