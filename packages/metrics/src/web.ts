import type http from 'node:http';
import { Counter, Histogram } from 'prom-client';
import { registry } from './registry';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** What the web app counts: its HTTP requests, by kind of path rather than path (paths carry ids). */
export const webMetrics = {
  requests: new Counter({
    name: 'postern_web_http_requests_total',
    help: 'HTTP requests the web app answered, by kind (api: /api/…, including agents and the CLI; static: /_next/…; page: the rest), method and status code.',
    labelNames: ['kind', 'method', 'status'] as const,
    registers: [registry],
  }),
  requestSeconds: new Histogram({
    name: 'postern_web_http_request_seconds',
    help: 'Time from a request to the end of its answer, by kind.',
    labelNames: ['kind'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  }),
};

export function requestKind(url: string | undefined): 'api' | 'static' | 'page' {
  if (url?.startsWith('/api/')) return 'api';
  if (url?.startsWith('/_next/')) return 'static';
  return 'page';
}

/** Counts and times one request once its answer is sent (or the client went away). */
export function observeWebRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
  const kind = requestKind(req.url);
  const method = METHODS.has(req.method ?? '') ? req.method! : 'other';
  const done = webMetrics.requestSeconds.startTimer({ kind });
  res.once('close', () => {
    done();
    webMetrics.requests.inc({ kind, method, status: res.headersSent ? String(res.statusCode) : 'none' });
  });
}
