import { isIP } from 'node:net';

export const DEFAULT_MYSQL_PORT = 3306;

export interface DatabaseAddress {
  host: string;
  port: number;
}

export class InvalidAddressError extends Error {
  override name = 'InvalidAddressError';
}

/** `host:port`, `[v6]:port`, or a bare host (port 3306), as in a database's `uri`. */
export function parseDatabaseAddress(uri: string, name: string): DatabaseAddress {
  const bad = (): InvalidAddressError =>
    new InvalidAddressError(`database ${name} has an invalid address ${JSON.stringify(uri)} in the agent's configuration (expected host:port)`);
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(uri);
  if (bracketed) {
    if (isIP(bracketed[1]!) !== 6) throw bad();
    return { host: bracketed[1]!, port: parsePort(bracketed[2], bad) };
  }
  // A bare IPv6 address has several colons and no port.
  if (isIP(uri) === 6) return { host: uri, port: DEFAULT_MYSQL_PORT };
  const match = /^([^:\s/]+)(?::(\d+))?$/.exec(uri);
  if (!match) throw bad();
  return { host: match[1]!, port: parsePort(match[2], bad) };
}

function parsePort(text: string | undefined, bad: () => Error): number {
  if (text === undefined) return DEFAULT_MYSQL_PORT;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad();
  return port;
}

export function formatAddress({ host, port }: DatabaseAddress): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
