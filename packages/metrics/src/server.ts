import http from 'node:http';
import type net from 'node:net';
import { enableProcessMetrics, registry } from './registry';

export class MetricsServerError extends Error {
  override name = 'MetricsServerError';
}

export interface MetricsServer {
  /** host:port it listens on (the port filled in when the config asked for 0). */
  address: string;
  close(): Promise<void>;
}

/**
 * The operator's port: GET /metrics in Prometheus' text format, GET /healthz for a liveness
 * probe (200 while the process serves). Plain HTTP, meant for a loopback or private address:
 * it tells counts, database names and agent state, nothing a client could use to connect.
 */
export async function startMetricsServer(opts: { host: string; port: number }): Promise<MetricsServer> {
  enableProcessMetrics();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' && path !== '/healthz') return reply(res, 404, 'not found: this port serves /metrics and /healthz\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return reply(res, 405, `method ${req.method} not allowed: use GET\n`);
    }
    if (path === '/healthz') return reply(res, 200, 'ok\n');
    registry.metrics().then(
      (body) => reply(res, 200, body, registry.contentType),
      (err: unknown) => reply(res, 500, `the metrics could not be collected: ${(err as Error).message}\n`),
    );
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the address is already in use (change metrics.listen)' : err.message;
      reject(new MetricsServerError(`metrics: cannot listen on ${opts.host}:${opts.port}: ${why}`));
    });
    server.listen(opts.port, opts.host, () => resolve());
  });
  const a = server.address() as net.AddressInfo;
  return {
    address: `${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function reply(res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}
