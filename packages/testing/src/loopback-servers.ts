import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

/**
 * The listeners one test file starts on free loopback ports (a proxy side under test, a
 * scripted database), and what connects to them: `endTest` after each test destroys the
 * connections and clients still open, `close` after all stops listening.
 */
export class LoopbackServers {
  /** The connections the listeners accepted during this test, oldest first. */
  readonly accepted: Socket[] = [];
  private readonly servers: Server[] = [];
  private readonly clients: { destroy(): void }[] = [];

  /** A listener whose every connection goes to `onConnection`; resolves with its port. */
  async listen(onConnection: (socket: Socket) => void): Promise<number> {
    const server = createServer((socket) => {
      this.accepted.push(socket);
      onConnection(socket);
    });
    this.servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  }

  /** A listener for one connection, handed to `handle`: `outcome` is what `handle` resolves with. */
  async acceptOne<T>(handle: (socket: Socket) => Promise<T>): Promise<{ port: number; outcome: Promise<T> }> {
    let deliver!: (outcome: Promise<T>) => void;
    const outcome = new Promise<Promise<T>>((resolve) => (deliver = resolve));
    const port = await this.listen((socket) => deliver(handle(socket)));
    return { port, outcome: outcome.then((p) => p) };
  }

  /** A client of the test's, destroyed by `endTest`. */
  track<C extends { destroy(): void }>(client: C): C {
    this.clients.push(client);
    return client;
  }

  /** After each test: destroys the tracked clients, then the connections the listeners accepted. */
  endTest(): void {
    for (const client of this.clients.splice(0)) client.destroy();
    for (const socket of this.accepted.splice(0)) socket.destroy();
  }

  /** After all tests: stops listening. */
  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}
