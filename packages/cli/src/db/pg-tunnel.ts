import type net from 'node:net';
import { errorResponse, readFirstMessage } from './pg-wire';
import { connectProxyTls, nextChunk } from './proxy-tls';
import { describeTlsError } from './tls-errors';
import { relay, type TunnelContext } from './tunnel';

/** Sends the client an error it shows to its user, then closes. */
function refuse(client: net.Socket, message: string): void {
  if (!client.destroyed) client.end(errorResponse(message));
}

/**
 * `postern proxy db --tunnel` for PostgreSQL: the client speaks first, so its startup
 * message is read (its SSLRequest answered 'N') before the proxy is dialled with TLS.
 */
export async function tunnelPostgres(client: net.Socket, ctx: TunnelContext): Promise<string> {
  const { target, hint } = ctx;
  const first = await readFirstMessage(client);
  let upstream: net.Socket;
  try {
    upstream = ctx.track(await connectProxyTls(target, await ctx.credentials()));
  } catch (err) {
    if (first.kind === 'startup') refuse(client, `postern: ${(err as Error).message}${hint}`);
    else client.destroy();
    throw err;
  }
  if (first.kind === 'cancel') {
    // A cancel gets no answer; the server acts on it and closes.
    upstream.end(first.bytes);
    await new Promise((resolve) => {
      upstream.once('close', resolve);
      setTimeout(resolve, 5_000).unref();
    });
    upstream.destroy();
    client.end();
    return 'cancel request forwarded';
  }
  upstream.write(first.bytes);
  let answer: Buffer;
  try {
    // Until the proxy answers, a failure is explained to the client; after, the
    // proxy's own messages (PostgreSQL's, passed through) say what happened.
    answer = await nextChunk(upstream);
  } catch (err) {
    const why = describeTlsError(err as Error);
    refuse(client, `postern: the Postern proxy at ${target.host}:${target.port} ended the connection: ${why}${hint}`);
    upstream.destroy();
    throw new Error(`the proxy ended the connection: ${why}`);
  }
  client.write(answer);
  const { user = '?', database = user } = first.params;
  const broken = await relay(client, upstream);
  return `session as ${user} to ${database}${broken ? ` ended: ${broken}` : ''}`;
}
