/**
 * The tunnel's wire protocol. One mutually authenticated TLS connection per agent and proxy,
 * dialled OUT by the agent (it sits behind NAT and opens no port), ALPN `postern-tunnel/1`
 * (the proxy's single port tells it apart from HTTPS and PostgreSQL by ALPN). On top runs
 * HTTP/2 with the roles reversed: the PROXY is the HTTP/2 client and the AGENT the HTTP/2
 * server, because the proxy is the side that opens streams (one per database client).
 * HTTP/2 already brings multiplexing and per-stream flow control, well tested and built into
 * Node, so a slow client stalls only its own stream and buffered memory stays bounded by the
 * stream windows.
 *
 *   GET  /hello  proxy → agent, once the proxy has accepted the agent's certificate. The agent
 *                answers 200 and keeps the stream open, writing one AgentHello as a JSON line
 *                now and another on every announce(). The stream ending ends the tunnel.
 *   POST /dial   one per client connection; header `postern-dial` = base64url(JSON DialRequest),
 *                at most MAX_DIAL_HEADER_BYTES. The agent answers 200 and the bodies both ways
 *                are the client's raw bytes (END_STREAM = half-close, RST_STREAM = abort), or
 *                answers 400/404/503 with a text/plain reason and ends the stream.
 *   PING         both sides every heartbeatMs; no ACK within two intervals → tear down.
 *   GOAWAY       carries a human-readable reason as opaque data when one side refuses or
 *                replaces the tunnel, so the agent can log why.
 */
import type { AgentHello, DialRequest } from './types';
import { TunnelError } from './errors';

export const TUNNEL_ALPN = 'postern-tunnel/1';

export const HELLO_PATH = '/hello';
export const DIAL_PATH = '/dial';
export const DIAL_HEADER = 'postern-dial';

/** A client certificate (≈1.5 KiB DER) plus startup parameters fit many times over. */
export const MAX_DIAL_HEADER_BYTES = 32 * 1024;
/** A hello lists an agent's databases; a thousand of them with labels still fit. */
export const MAX_HELLO_LINE_BYTES = 1024 * 1024;
/** Refusal reasons are read by people; anything longer is cut. */
export const MAX_REASON_BYTES = 1024;

const PROTOCOLS = new Set(['postgres', 'mysql']);
const MAX_NAME = 255;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isName(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_NAME;
}

export function encodeDialRequest(req: DialRequest): string {
  const value = Buffer.from(JSON.stringify(req), 'utf8').toString('base64url');
  if (value.length > MAX_DIAL_HEADER_BYTES) {
    throw new TunnelError('dial_failed', `the dial request is ${value.length} bytes encoded, over the limit of ${MAX_DIAL_HEADER_BYTES}`);
  }
  return value;
}

/** Validates as well as decodes: the agent must not trust the shape of what arrives. */
export function decodeDialRequest(value: unknown): DialRequest {
  if (typeof value !== 'string' || value.length === 0) throw new TunnelError('protocol_error', `the ${DIAL_HEADER} header is missing`);
  if (value.length > MAX_DIAL_HEADER_BYTES) throw new TunnelError('protocol_error', `the ${DIAL_HEADER} header is too large`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw new TunnelError('protocol_error', `the ${DIAL_HEADER} header is not base64url JSON`);
  }
  if (!isPlainObject(parsed)) throw new TunnelError('protocol_error', 'the dial request is not an object');
  const { database, protocol, meta } = parsed;
  if (!isName(database)) throw new TunnelError('protocol_error', 'the dial request has no valid database name');
  if (typeof protocol !== 'string' || !PROTOCOLS.has(protocol)) {
    throw new TunnelError('protocol_error', 'the dial request protocol must be postgres or mysql');
  }
  if (meta !== undefined && !isPlainObject(meta)) throw new TunnelError('protocol_error', 'the dial request meta must be an object');
  return { database, protocol: protocol as DialRequest['protocol'], meta: meta ?? {} };
}

function isLabels(v: unknown): v is Record<string, string> {
  return isPlainObject(v) && Object.values(v).every((x) => typeof x === 'string');
}

/** The proxy routes by what a hello says, so a malformed one is refused rather than half-used. */
export function parseHello(line: string): AgentHello {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new TunnelError('protocol_error', 'the agent hello is not JSON');
  }
  if (!isPlainObject(parsed)) throw new TunnelError('protocol_error', 'the agent hello is not an object');
  const { hostId, name, version, databases } = parsed;
  if (!isName(hostId) || typeof name !== 'string' || typeof version !== 'string' || !Array.isArray(databases)) {
    throw new TunnelError('protocol_error', 'the agent hello needs hostId, name, version and databases');
  }
  const dbs = databases.map((db: unknown, i) => {
    if (!isPlainObject(db) || !isName(db.name) || typeof db.protocol !== 'string' || !PROTOCOLS.has(db.protocol)) {
      throw new TunnelError('protocol_error', `database #${i + 1} in the agent hello needs a name and a protocol (postgres or mysql)`);
    }
    const labels = db.labels ?? {};
    if (!isLabels(labels)) throw new TunnelError('protocol_error', `the labels of database ${db.name} must map strings to strings`);
    const serverVersion = typeof db.serverVersion === 'string' ? db.serverVersion.slice(0, 200) : undefined;
    return { name: db.name, protocol: db.protocol as AgentHello['databases'][number]['protocol'], labels, ...(serverVersion ? { serverVersion } : {}) };
  });
  return { hostId, name, version, databases: dbs };
}

/** GOAWAY opaque data: bounded, so a reason can never become a way to push memory at the peer. */
export function reasonBytes(reason: string): Buffer {
  const buf = Buffer.from(reason, 'utf8');
  return buf.length > MAX_REASON_BYTES ? buf.subarray(0, MAX_REASON_BYTES) : buf;
}
