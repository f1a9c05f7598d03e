import http from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '@postern/log';

/**
 * HTTPS on the public port is terminated here and forwarded to the web app, which listens
 * on loopback only. The client's address goes along in X-Forwarded-For.
 */
export function createHttpForwarder(webUrl: string, log: Logger): http.Server {
  const target = new URL(webUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const server = http.createServer((req, res) => {
    const headers = { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '', 'x-forwarded-proto': 'https', 'x-forwarded-host': req.headers.host ?? '' };
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      log.warn({ err: err.message }, 'web app unreachable');
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'web_unreachable', message: 'the web app behind this proxy is not answering; try again shortly' } }));
      } else res.destroy();
    });
    req.pipe(upstream);
  });
  server.on('clientError', (_err, socket: Socket) => socket.destroy());
  return server;
}
