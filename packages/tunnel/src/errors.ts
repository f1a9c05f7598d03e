export type TunnelErrorCode =
  /** The agent refused the stream (no such database, bad request, its handler said no) or did not answer in time. */
  | 'dial_failed'
  /** The tunnel to the agent went away while the stream was open or being opened (proxy side). */
  | 'agent_gone'
  /** The tunnel to the proxy went away while the stream was open (agent side). */
  | 'proxy_gone'
  /** The peer is not allowed to hold a tunnel (certificate, ALPN, identity mismatch). */
  | 'refused'
  /** The peer spoke the tunnel protocol wrongly (malformed hello or dial request, oversized header). */
  | 'protocol_error'
  /** The tunnel missed its heartbeats: the peer or the network in between is frozen. */
  | 'heartbeat_timeout'
  /** A caller passed options that cannot work (e.g. a malformed proxy address). */
  | 'invalid_argument';

/** `message` is written for a person reading a log or an error shown to a database client. */
export class TunnelError extends Error {
  readonly code: TunnelErrorCode;
  constructor(code: TunnelErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TunnelError';
    this.code = code;
  }
}

export function isTunnelError(err: unknown, code?: TunnelErrorCode): err is TunnelError {
  return err instanceof TunnelError && (code === undefined || err.code === code);
}
