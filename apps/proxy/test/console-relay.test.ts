import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { encodeMessage, FrameDecoder } from '@postern/console/frames';
import { recordingLogger } from '@postern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { relayConsole, WS_HIGH_WATER } from '../src/console/relay';

/** A tunnel stream as the relay sees it, and the agent's end of it. */
function tunnel(): { proxySide: Duplex; agentSide: Duplex } {
  const toAgent = new PassThrough();
  const toProxy = new PassThrough();
  return { proxySide: Duplex.from({ readable: toProxy, writable: toAgent }), agentSide: Duplex.from({ readable: toAgent, writable: toProxy }) };
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function setup() {
  const { proxySide, agentSide } = tunnel();
  const server = http.createServer();
  const wss = new WebSocketServer({ server, maxPayload: 1024 * 1024 });
  const relayed = new Promise<void>((resolve) => wss.on('connection', (ws) => void relayConsole(ws, proxySide, recordingLogger([])).then(resolve)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await new Promise((r) => client.once('open', r));
  cleanups.push(() => {
    client.terminate();
    server.close();
    server.closeAllConnections();
  });
  return { client, agentSide, relayed };
}

describe('console relay (proxy)', () => {
  it('turns browser messages into frames and frames into browser messages', async () => {
    const { client, agentSide } = await setup();
    const decoder = new FrameDecoder();
    const atAgent: unknown[] = [];
    agentSide.on('data', (c: Buffer) => decoder.push(c).forEach((f) => atAgent.push(JSON.parse(f.toString()))));
    client.send(JSON.stringify({ type: 'run', id: 'r1', sql: 'select 1' }));
    const got = new Promise<string>((r) => client.once('message', (d) => r(d.toString())));
    agentSide.write(encodeMessage({ type: 'ready' }));
    expect(JSON.parse(await got)).toEqual({ type: 'ready' });
    await new Promise((r) => setTimeout(r, 50));
    expect(atAgent).toEqual([{ type: 'run', id: 'r1', sql: 'select 1' }]);
  });

  it('stops reading the tunnel while the browser does not read', async () => {
    const { client, agentSide } = await setup();
    // The browser stops reading: its socket is paused, TCP fills up, the WebSocket buffers.
    (client as unknown as { _socket: { pause(): void } })._socket.pause();
    const frame = encodeMessage({ type: 'rows', rows: [['x'.repeat(60_000)]] });
    let written = 0;
    const until = Date.now() + 3000;
    while (Date.now() < until && written < 64 * 1024 * 1024) {
      if (!agentSide.write(frame)) {
        const drained = await Promise.race([new Promise((r) => agentSide.once('drain', () => r(true))), new Promise((r) => setTimeout(() => r(false), 300))]);
        if (!drained) break;
      }
      written += frame.length;
    }
    // What the agent got rid of is bounded by the relay's high water mark plus socket and stream buffers.
    expect(written).toBeLessThan(WS_HIGH_WATER + 16 * 1024 * 1024);
    expect(written).toBeGreaterThan(0);
    // Once the browser reads again, everything arrives.
    let received = 0;
    client.on('message', (d) => (received += (d as Buffer).length + 4));
    (client as unknown as { _socket: { resume(): void } })._socket.resume();
    await new Promise((r) => setTimeout(r, 500));
    expect(received).toBeGreaterThan(0);
  });

  it('closes on a binary message and on a message over the limit', async () => {
    const a = await setup();
    const closed = new Promise<number>((r) => a.client.once('close', (code) => r(code)));
    a.client.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await closed).toBe(1003);
    await a.relayed;

    const b = await setup();
    const closedB = new Promise<number>((r) => b.client.once('close', (code) => r(code)));
    b.client.send('x'.repeat(1024 * 1024 + 1));
    expect(await closedB).toBe(1009);
  });

  it('closes the WebSocket when the agent ends the session', async () => {
    const { client, agentSide, relayed } = await setup();
    const closed = new Promise<number>((r) => client.once('close', (code) => r(code)));
    agentSide.end();
    expect(await closed).toBe(1000);
    await relayed;
  });
});
