import { pingResponse } from '@postern/api';
import { z } from 'zod';
import { CliError } from '../errors';

export const DEFAULT_PROXY_PORT = 3080;
export const DEFAULT_MYSQL_PORT = 3036;

export interface HostPort {
  host: string;
  port: number;
}

/**
 * /ping as this CLI reads it. `mysql_public_addr` is not served yet; when the Auth Service
 * adds it, clients use it without a new CLI.
 */
export const pingForDb = pingResponse.extend({ mysql_public_addr: z.string().optional() });
export type PingForDb = z.infer<typeof pingForDb>;

/** `host:port`, `[v6]:port`, or a URL; the port is optional. */
export function parseHostPort(addr: string, defaultPort: number): HostPort {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(addr) ? addr : `tcp://${addr}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CliError(`"${addr}" is not HOST:PORT`);
  }
  const defaults: Record<string, number> = { 'https:': 443, 'http:': 80 };
  const port = url.port ? Number(url.port) : (defaults[url.protocol] ?? defaultPort);
  // URL keeps the brackets of an IPv6 literal; clients want the bare address.
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

/**
 * Where database clients connect. The proxy serves PostgreSQL on its public address (the
 * one HTTPS uses); when the Auth Service runs without a proxy in its process it does not
 * know that address, and the address the user logged in with is the proxy's.
 */
export function databaseAddress(protocol: 'postgres' | 'mysql', ping: PingForDb, profileProxy: string): HostPort {
  const pg = ping.proxy_public_addr ? parseHostPort(ping.proxy_public_addr, DEFAULT_PROXY_PORT) : parseHostPort(profileProxy, DEFAULT_PROXY_PORT);
  if (protocol === 'postgres') return pg;
  return ping.mysql_public_addr ? parseHostPort(ping.mysql_public_addr, DEFAULT_MYSQL_PORT) : { host: pg.host, port: DEFAULT_MYSQL_PORT };
}
