import { TunnelError } from './errors';

/** Splits "host:port" or "[v6]:port"; the proxy address comes from configuration, so errors name it. */
export function parseHostPort(addr: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(addr) ?? /^([^:[\]]+):(\d+)$/.exec(addr);
  const host = m?.[1];
  const port = Number(m?.[2]);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TunnelError('invalid_argument', `the proxy address "${addr}" is not host:port`);
  }
  return { host, port };
}
