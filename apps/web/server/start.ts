import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuthService } from '@postern/auth';
import { splitHostPort, type LoadedConfig } from '@postern/config';
import { createLogger } from '@postern/log';
import { observeWebRequest } from '@postern/metrics';
import next from 'next';
import { setAuthService } from '../lib/auth-service';

const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export class WebStartError extends Error {
  override name = 'WebStartError';
}

export interface RunningWeb {
  /** Where the web server answers (loopback; the proxy forwards to it). */
  url: string;
  /** Where people are sent: sign-up links and the sign-in URL. */
  publicUrl: string;
  auth: AuthService;
  close(): Promise<void>;
}

function listen(server: http.Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the address is already in use (is another postern running? change web.listen)' : err.message;
      reject(new WebStartError(`web: cannot listen on ${host}:${port}: ${why}`));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

function isLoopback(addr: string): boolean {
  return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
}

function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
}

/**
 * The web process: listens first (so a taken port fails fast and clearly), then opens the
 * Auth Service (store, CAs) and Next.js, and answers 503 until both are ready.
 */
export async function startWeb(loaded: LoadedConfig, opts: { publicUrl?: string } = {}): Promise<RunningWeb> {
  const log = createLogger('web');
  const distDir = process.env.POSTERN_NEXT_DIST || '.next';
  if (!existsSync(path.join(WEB_DIR, distDir, 'BUILD_ID'))) {
    throw new WebStartError(`web: the web app is not built (${WEB_DIR}/${distDir} is missing): run \`npm run build\` first`);
  }
  const { host, port } = splitHostPort(loaded.config.web.listen);
  let handle: ((req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>) | undefined;
  const server = http.createServer((req, res) => {
    observeWebRequest(req, res);
    // The address the route handlers see for rate limits and audit. The web app listens on
    // loopback behind the proxy, so X-Forwarded-For is believed only from a loopback peer.
    const peer = req.socket.remoteAddress ?? 'unknown';
    const forwarded = typeof req.headers['x-forwarded-for'] === 'string' ? req.headers['x-forwarded-for'].split(',')[0]!.trim() : '';
    req.headers['x-postern-client-addr'] = forwarded && isLoopback(peer) ? forwarded : peer;
    if (!handle) {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ error: { code: 'starting', message: 'Postern is starting; try again in a moment' } }));
      return;
    }
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'request failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  const addr = await listen(server, host, port);
  const url = `http://${displayHost(addr.address)}:${addr.port}`;
  const publicUrl = opts.publicUrl || loaded.config.web.public_url || url;

  let auth: AuthService;
  try {
    auth = await AuthService.open(loaded, { internalUrl: url, publicUrl });
    setAuthService(auth);
    const app = next({ dev: false, dir: WEB_DIR, hostname: addr.address, port: addr.port, quiet: true });
    await app.prepare();
    const requestHandler = app.getRequestHandler();
    handle = (req, res) => requestHandler(req, res);
  } catch (err) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw err;
  }
  log.info({ url }, 'web listening');

  return {
    url,
    publicUrl,
    auth,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      setAuthService(undefined);
      await auth.close();
    },
  };
}
