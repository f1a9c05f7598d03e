import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { Logger } from '@postern/log';
import { decodeDialRequest, DIAL_HEADER, reasonBytes } from './protocol';
import type { AgentHello, DialRequest } from './types';

/** Refuses a stream with a reason the proxy passes on to the person whose connection failed. */
export function answerError(stream: ServerHttp2Stream, status: number, reason: string): void {
  if (stream.destroyed) return;
  if (stream.headersSent) {
    stream.destroy(new Error(reason));
    return;
  }
  stream.respond({ ':status': status, 'content-type': 'text/plain; charset=utf-8' });
  stream.end(reasonBytes(reason));
}

/**
 * One /dial stream on the agent: checks the request against the databases this agent
 * announced, then hands the stream to the application with a 200. A handler that throws
 * synchronously refuses the dial with its message.
 */
export function handleDial(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  announced: AgentHello | undefined,
  onStream: (stream: Duplex, req: DialRequest) => void,
  log: Logger,
): void {
  let req: DialRequest;
  try {
    req = decodeDialRequest(headers[DIAL_HEADER]);
  } catch (err) {
    answerError(stream, 400, (err as Error).message);
    return;
  }
  const db = announced?.databases.find((d) => d.name === req.database);
  if (!db) {
    const who = announced ? `agent ${announced.name}` : 'this agent';
    answerError(stream, 404, `${who} does not serve database "${req.database}"`);
    return;
  }
  if (db.protocol !== req.protocol) {
    answerError(stream, 404, `database "${req.database}" speaks ${db.protocol}, not ${req.protocol}`);
    return;
  }
  // The handler owns the stream from here. (The tunnel has already given it an 'error'
  // listener, so one connection's failure cannot crash the agent if the handler forgot one.)
  try {
    onStream(stream, req);
  } catch (err) {
    log.warn({ err, database: req.database }, 'the stream handler refused a connection');
    answerError(stream, 503, (err as Error).message || 'the agent could not take the connection');
    return;
  }
  // Database clients often speak first, so the proxy must learn now that the stream is open,
  // not when the handler first writes.
  if (!stream.headersSent && !stream.destroyed) stream.respond({ ':status': 200 });
}
