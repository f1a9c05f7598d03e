import type { Duplex } from 'node:stream';
import { encodeFrame, FrameDecoder } from '@postern/console/frames';
import type { Logger } from '@postern/log';
import type { RawData, WebSocket } from 'ws';

/** Past this much unsent data towards the browser, the tunnel stream is paused. */
export const WS_HIGH_WATER = 1024 * 1024;
/** …and resumed when the browser has taken it down to this. */
const WS_LOW_WATER = 256 * 1024;

/** A ping this often keeps idle connections open through NATs and finds browsers that vanished. */
const PING_MS = 30_000;

/** Close codes the page understands (RFC 6455 and the 4000–4999 private range). */
export const CLOSE = { normal: 1000, agentGone: 1011, tooLarge: 1009 } as const;

/**
 * Carries one console session: each WebSocket text message becomes a frame on the tunnel
 * stream to the agent, each frame from the agent one WebSocket message, and neither side
 * can make the proxy buffer without bound. Towards the browser, the tunnel stream is paused
 * while the socket's bufferedAmount is high (HTTP/2 flow control then holds the agent);
 * towards the agent, the WebSocket is paused while the stream's write() says it is full.
 * The JSON is not parsed here: the agent validates every message.
 */
export function relayConsole(ws: WebSocket, stream: Duplex, log: Logger): Promise<void> {
  return new Promise((resolve) => {
    const decoder = new FrameDecoder();
    let done = false;
    let streamPaused = false;
    // No pong since the last ping: the browser is gone without a word.
    let alive = true;
    ws.on('pong', () => (alive = true));
    const heartbeat = setInterval(() => {
      if (!alive) {
        ws.terminate();
        return finish(CLOSE.normal, 'the browser stopped answering');
      }
      alive = false;
      ws.ping();
    }, PING_MS);
    heartbeat.unref();
    const finish = (code: number, reason: string) => {
      if (done) return;
      done = true;
      clearInterval(drainCheck);
      clearInterval(heartbeat);
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason.slice(0, 120));
      if (!stream.destroyed) stream.end();
      setTimeout(() => {
        stream.destroy();
        ws.terminate();
      }, 5_000).unref();
      resolve();
    };

    // Agent → browser.
    const maybeResume = () => {
      if (streamPaused && ws.bufferedAmount <= WS_LOW_WATER) {
        streamPaused = false;
        stream.resume();
      }
    };
    // ws has no 'drain' event of its own; send callbacks and this check bring the stream back.
    const drainCheck = setInterval(maybeResume, 50);
    drainCheck.unref();
    stream.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'console: bad frame from the agent');
        return finish(CLOSE.agentGone, 'bad message from the agent');
      }
      for (const frame of frames) ws.send(frame, { binary: false }, () => maybeResume());
      if (ws.bufferedAmount > WS_HIGH_WATER && !streamPaused) {
        streamPaused = true;
        stream.pause();
      }
    });
    stream.on('end', () => finish(CLOSE.normal, 'session closed'));
    stream.on('error', (err) => {
      log.debug({ err: err.message }, 'console: tunnel stream failed');
      finish(CLOSE.agentGone, 'the agent connection was lost');
    });
    stream.on('close', () => finish(CLOSE.agentGone, 'the agent connection was lost'));

    // Browser → agent.
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return finish(1003, 'console messages are JSON text');
      let frame: Buffer;
      try {
        frame = encodeFrame(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer));
      } catch (err) {
        return finish(CLOSE.tooLarge, (err as Error).message);
      }
      if (!stream.write(frame)) {
        ws.pause();
        stream.once('drain', () => ws.resume());
      }
    });
    ws.on('close', () => finish(CLOSE.normal, 'closed by the browser'));
    ws.on('error', (err) => {
      log.debug({ err: err.message }, 'console: websocket failed');
      finish(CLOSE.normal, 'websocket error');
    });
  });
}
