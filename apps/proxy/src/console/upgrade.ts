import type http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { MAX_MESSAGE_BYTES } from '@postern/console';
import type { Logger } from '@postern/log';
import { PkiError, verifyUserCertificate } from '@postern/pki';
import { WebSocketServer } from 'ws';
import { countRefusal, dialAgent, isRefusal, relaySession, type RouteDeps } from '../client-route';
import { relayConsole } from './relay';

export const CONSOLE_WS_PATH = '/api/v1/console/ws';

/**
 * What the proxy needs from the Auth Service (in this process) to let a console in: the
 * ticket the page got from POST /api/v1/console/tickets, redeemed once, with the Cookie
 * header of the upgrade request (the ticket is bound to that browser session).
 */
export interface ConsoleGate {
  /** Origins the page may be served from, e.g. https://postern.example.com:3080. */
  origins: string[];
  /** Resolves with the dial's certificate (DER, base64); rejects with { status, message } when refused. */
  redeem(ticket: string, cookieHeader: string | undefined): Promise<{ cert: string }>;
}

export interface ConsoleUpgradeDeps extends RouteDeps {
  gate: ConsoleGate;
  log: Logger;
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 502: 'Bad Gateway', 503: 'Service Unavailable' };

/** Refuses before the upgrade, with an HTTP status and a JSON body a person can read. */
function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\ncontent-type: application/json\r\ncache-control: no-store\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** The origin of a public address as browsers write it (no :443). */
export function originOf(publicAddr: string): string {
  return new URL(`https://${publicAddr}`).origin;
}

/**
 * Handles `upgrade` on the proxy's HTTPS server: the console path is checked here (origin,
 * ticket, route, an agent to dial) and refused with 401/403/404/503 before any WebSocket
 * exists; other upgrade requests go on to the web app as they came.
 */
export function attachConsole(server: http.Server, webUrl: string, deps: ConsoleUpgradeDeps): void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });
  const origins = new Set(deps.gate.origins.map((o) => o.toLowerCase()));

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'https://proxy.invalid');
    if (url.pathname !== CONSOLE_WS_PATH) return forwardUpgrade(req, socket, head, webUrl);
    void accept(req, socket, head, url).catch((err: unknown) => {
      deps.log.error({ err: (err as Error).message }, 'console upgrade failed');
      refuse(socket, 502, 'internal', 'the proxy could not open the console connection');
    });
  });

  async function accept(req: http.IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    // The ticket is redeemed (used up) first: whatever is refused next, it is not tried twice.
    const ticket = url.searchParams.get('ticket') ?? '';
    let cert: string;
    try {
      cert = (await deps.gate.redeem(ticket, req.headers.cookie)).cert;
    } catch (err) {
      const e = err as { status?: number; code?: string; message?: string };
      const status = e.status === 403 ? 403 : e.status === 503 ? 503 : 401;
      return refuse(socket, status, e.code ?? 'unauthenticated', e.message ?? 'the console ticket was refused');
    }
    // A page of another site cannot ride on the browser's cookie: only our own origin may connect.
    const origin = (req.headers.origin ?? '').toLowerCase();
    if (!origins.has(origin)) {
      return refuse(socket, 403, 'bad_origin', `the console accepts connections from its own pages only (Origin ${JSON.stringify(req.headers.origin ?? '')} is not ${[...origins].join(' or ')})`);
    }
    let identity;
    try {
      identity = verifyUserCertificate(Buffer.from(cert, 'base64'), { trusted: deps.userCas, clusterName: deps.clusterName });
    } catch (err) {
      countRefusal('console', 'denied');
      return refuse(socket, 403, 'denied', err instanceof PkiError ? err.message : 'the console certificate could not be checked');
    }
    const route = identity.route;
    if (!route) {
      countRefusal('console', 'denied');
      return refuse(socket, 403, 'denied', 'the console certificate carries no database route');
    }
    const clientAddr = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const dialed = await dialAgent(
      { database: route.service, protocol: route.protocol, meta: { cert, client_addr: clientAddr, access_through: 'web', console: true } },
      identity,
      deps,
    );
    if (isRefusal(dialed)) {
      countRefusal('console', dialed.kind);
      const status = dialed.kind === 'unreachable' ? 503 : /^unknown database/.test(dialed.message) ? 404 : 403;
      return refuse(socket, status, dialed.kind, dialed.hint ? `${dialed.message}; ${dialed.hint}` : dialed.message);
    }
    if (socket.destroyed) {
      dialed.stream.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => void relaySession('console', () => relayConsole(ws, dialed.stream, deps.log)));
  }
}

/** Any other upgrade: the raw request to the web app, then bytes both ways. */
function forwardUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, webUrl: string): void {
  const target = new URL(webUrl);
  const upstream = net.connect(Number(target.port) || 80, target.hostname);
  upstream.on('error', () => socket.destroy());
  socket.on('error', () => upstream.destroy());
  upstream.on('connect', () => {
    const headers: string[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    headers.push(`x-forwarded-for: ${req.socket.remoteAddress ?? ''}`, 'x-forwarded-proto: https');
    upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    socket.pipe(upstream).pipe(socket);
  });
}
