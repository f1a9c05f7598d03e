import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { authMetrics, meteredAuditSink, MetricsServerError, observeWebRequest, requestKind, webMetrics, proxyMetrics, Readings, registry, reportAgent, reportConnectedAgents, startMetricsServer, type MetricsServer } from '../src';

const servers: MetricsServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function serve(): Promise<string> {
  const server = await startMetricsServer({ host: '127.0.0.1', port: 0 });
  servers.push(server);
  return `http://${server.address}`;
}

describe('Readings', () => {
  it('sums the sources by label set, and forgets a source once removed', () => {
    const r = new Readings<'database'>();
    const a = r.add(() => [[{ database: 'shop' }, 2], [{ database: 'demo' }, 1]]);
    r.add(() => [[{ database: 'shop' }, 3]]);
    expect(r.collect()).toEqual([[{ database: 'shop' }, 5], [{ database: 'demo' }, 1]]);
    a();
    expect(r.collect()).toEqual([[{ database: 'shop' }, 3]]);
  });
});

describe('meteredAuditSink', () => {
  const value = async (m: { get(): Promise<{ values: { value: number; metricName?: string }[] }> }, name?: string) =>
    (await m.get()).values.find((v) => name === undefined || v.metricName === name)?.value ?? 0;

  it('counts the events of batches the store took, and the batches it refused, timing both', async () => {
    const stored = await value(authMetrics.auditEventsStored);
    const failed = await value(authMetrics.auditStoreFailures);
    const timed = await value(authMetrics.auditStoreSeconds, 'postern_auth_audit_store_seconds_count');
    let refuse = false;
    const sink = meteredAuditSink(async (events: number[]) => {
      if (refuse) throw new Error(`store down (${events.length})`);
    });
    await sink([1, 2, 3]);
    refuse = true;
    await expect(sink([4])).rejects.toThrow('store down (1)');
    expect(await value(authMetrics.auditEventsStored)).toBe(stored + 3);
    expect(await value(authMetrics.auditStoreFailures)).toBe(failed + 1);
    expect(await value(authMetrics.auditStoreSeconds, 'postern_auth_audit_store_seconds_count')).toBe(timed + 2);
  });
});

describe('observeWebRequest', () => {
  it('sorts paths into kinds without their ids', () => {
    expect([requestKind('/api/v1/audit/events'), requestKind('/_next/static/x.js'), requestKind('/audit/123'), requestKind(undefined)]).toEqual(['api', 'static', 'page', 'page']);
  });

  it('counts each answered request by kind, method and status, and times it', async () => {
    const server = http.createServer((req, res) => {
      observeWebRequest(req, res);
      res.writeHead(req.url === '/api/v1/missing' ? 404 : 200);
      res.end('x');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const count = async (labels: string) =>
      (await webMetrics.requests.get()).values.find((v) => JSON.stringify(v.labels) === labels)?.value ?? 0;
    const apiMissing = JSON.stringify({ kind: 'api', method: 'POST', status: '404' });
    const page = JSON.stringify({ kind: 'page', method: 'GET', status: '200' });
    const before = [await count(apiMissing), await count(page)];
    try {
      await (await fetch(`${base}/api/v1/missing`, { method: 'POST', body: '{}' })).text();
      await (await fetch(`${base}/databases`)).text();
      await (await fetch(`${base}/databases`)).text();
    } finally {
      server.close();
    }
    // 'close' comes a moment after the client has the answer.
    await new Promise((r) => setTimeout(r, 50));
    expect([await count(apiMissing), await count(page)]).toEqual([before[0]! + 1, before[1]! + 2]);
    const timed = (await webMetrics.requestSeconds.get()).values.find((v) => v.metricName === 'postern_web_http_request_seconds_count' && v.labels.kind === 'page');
    expect(timed?.value).toBeGreaterThanOrEqual(2);
  });
});

describe('the metrics port', () => {
  it('serves the registry in Prometheus text format, with the process metrics', async () => {
    const base = await serve();
    proxyMetrics.clientConnections.inc({ protocol: 'mysql' });
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(registry.contentType);
    const text = await res.text();
    expect(text).toContain('# TYPE postern_proxy_client_connections_total counter');
    expect(text).toMatch(/^postern_proxy_client_connections_total\{protocol="mysql"\} [1-9]/m);
    expect(text).toMatch(/^postern_process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^postern_nodejs_eventloop_lag_seconds /m);
  });

  it('reads gauges from the running proxies and agents at scrape time, and stops when they close', async () => {
    const base = await serve();
    const stopProxy = reportConnectedAgents(() => 3);
    const stopAgent = reportAgent({ tunnelConnected: () => true, idleServerConnections: () => [['demo', 4]], auditSpoolBytes: () => 1234 });
    let text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/^postern_proxy_connected_agents 3$/m);
    expect(text).toMatch(/^postern_agent_tunnel_connected 1$/m);
    expect(text).toMatch(/^postern_agent_idle_server_connections\{database="demo"\} 4$/m);
    expect(text).toMatch(/^postern_agent_audit_spool_bytes 1234$/m);
    stopProxy();
    stopAgent();
    text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/^postern_proxy_connected_agents 0$/m);
    expect(text).toMatch(/^postern_agent_tunnel_connected 0$/m);
    expect(text).not.toContain('postern_agent_idle_server_connections{');
  });

  it('answers /healthz, and refuses other paths and methods with a message', async () => {
    const base = await serve();
    const health = await fetch(`${base}/healthz`);
    expect([health.status, await health.text()]).toEqual([200, 'ok\n']);
    const other = await fetch(`${base}/debug`);
    expect(other.status).toBe(404);
    expect(await other.text()).toMatch(/serves \/metrics and \/healthz/);
    const post = await fetch(`${base}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('says which setting to change when its address is taken', async () => {
    const taken = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => taken.once('listening', r));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const err = await startMetricsServer({ host: '127.0.0.1', port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MetricsServerError);
      expect((err as Error).message).toBe(`metrics: cannot listen on 127.0.0.1:${port}: the address is already in use (change metrics.listen)`);
    } finally {
      taken.close();
    }
  });
});
