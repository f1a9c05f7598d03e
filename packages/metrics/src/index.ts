export { registry, enableProcessMetrics, Readings } from './registry';
export { proxyMetrics, reportConnectedAgents } from './proxy';
export type { ClientProtocol, ProxyRefusal } from './proxy';
export { agentMetrics, reportAgent } from './agent';
export { startMetricsServer, MetricsServerError } from './server';
export type { MetricsServer } from './server';
export { authMetrics, meteredAuditSink } from './auth';
export { webMetrics, observeWebRequest, requestKind } from './web';
