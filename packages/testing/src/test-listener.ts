import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

export interface TestListener {
  port: number;
  /** Waits until every connection handler started so far has finished. */
  idle(): Promise<void>;
  /** Destroys the connections still open and stops listening. */
  close(): Promise<void>;
}

/**
 * A TCP listener on 127.0.0.1 that stands in for the proxy and the agent in protocol tests:
 * each connection goes to `serve`, and what `serve` throws goes to `onError` rather than
 * failing an unrelated test.
 */
export async function startTestListener(serve: (socket: Socket) => Promise<void>, onError: (err: unknown) => void): Promise<TestListener> {
  const sockets = new Set<Socket>();
  const handlers = new Set<Promise<void>>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const handler = serve(socket).catch(onError);
    handlers.add(handler);
    void handler.finally(() => handlers.delete(handler));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    async idle() {
      while (handlers.size > 0) await Promise.allSettled([...handlers]);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
