export { TUNNEL_ALPN, MAX_DIAL_HEADER_BYTES, encodeDialRequest, decodeDialRequest, parseHello } from './protocol';
export { TunnelError, isTunnelError } from './errors';
export type { TunnelErrorCode } from './errors';
export { startTunnelAgent } from './agent';
export { REVOKED_AGENT_REASON, isRevokedAgentReason } from './revoked-agent';
export { TunnelServer } from './tunnel-server';
export type { TunnelServerEvent } from './tunnel-server';
export { createBackoff } from './backoff';
export type { Backoff } from './backoff';
export { STREAM_WINDOW_BYTES, CONNECTION_WINDOW_BYTES, MAX_STREAMS } from './settings';
export type {
  AgentCertificate,
  AgentConnection,
  AgentDatabase,
  AgentHello,
  DialRequest,
  TunnelAgent,
  TunnelAgentEvents,
  TunnelAgentOptions,
  TunnelProtocol,
  TunnelServerOptions,
} from './types';
