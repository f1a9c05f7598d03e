import type { ClientHttp2Session, ClientHttp2Stream } from 'node:http2';
import { isTunnelError, TunnelError } from './errors';
import { DIAL_HEADER, DIAL_PATH, encodeDialRequest, MAX_REASON_BYTES } from './protocol';
import type { DialRequest } from './types';

/** Reads a refusal's text/plain body, bounded, until the agent ends or resets the stream. */
function readReason(stream: ClientHttp2Stream): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    const done = (): void => resolve(Buffer.concat(parts).toString('utf8').trim());
    stream.on('data', (chunk: Buffer) => {
      if (size >= MAX_REASON_BYTES) return;
      const piece = chunk.subarray(0, MAX_REASON_BYTES - size);
      parts.push(piece);
      size += piece.length;
    });
    stream.once('end', done);
    stream.once('close', done);
  });
}

/**
 * Opens one /dial stream and settles once the agent has answered: with the stream on 200,
 * else with TunnelError('dial_failed') carrying the agent's reason. `track` sees the stream
 * at once, so a dial still waiting for its answer is torn down with the tunnel too.
 */
export function openDialStream(
  session: ClientHttp2Session,
  req: DialRequest,
  opts: { hostId: string; timeoutMs: number; track(stream: ClientHttp2Stream): void },
): Promise<ClientHttp2Stream> {
  return new Promise((resolve, reject) => {
    const header = encodeDialRequest(req);
    let stream: ClientHttp2Stream;
    try {
      stream = session.request({ ':method': 'POST', ':path': DIAL_PATH, [DIAL_HEADER]: header }, { endStream: false });
    } catch (err) {
      // The session is closing or destroyed (GOAWAY received, socket gone).
      reject(new TunnelError('agent_gone', `the tunnel to agent ${opts.hostId} is closing`, { cause: err }));
      return;
    }
    opts.track(stream);
    let settled = false;
    const what = `the connection to database ${req.database} through agent ${opts.hostId}`;
    const timer = setTimeout(
      () => fail(new TunnelError('dial_failed', `${what}: the agent did not answer within ${opts.timeoutMs} ms`)),
      opts.timeoutMs,
    );
    timer.unref();

    const onError = (err: Error): void =>
      fail(isTunnelError(err) ? err : new TunnelError('dial_failed', `${what} failed: ${err.message}`, { cause: err }));
    const onClose = (): void => fail(new TunnelError('dial_failed', `${what}: the agent closed the stream without answering`));
    stream.on('error', onError);
    stream.on('close', onClose);

    stream.once('response', (headers) => {
      stream.off('close', onClose);
      const status = Number(headers[':status']);
      if (status === 200) {
        settled = true;
        clearTimeout(timer);
        stream.off('error', onError);
        resolve(stream);
        return;
      }
      void readReason(stream).then((reason) => fail(new TunnelError('dial_failed', `${what} was refused: ${reason || `status ${status}`}`)));
    });

    function fail(err: TunnelError): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.destroy();
      reject(err);
    }
  });
}
