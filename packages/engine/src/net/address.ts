import { isIP } from 'node:net';

export interface DatabaseAddress {
  host: string;
  port: number;
}

export class InvalidAddressError extends Error {
  override name = 'InvalidAddressError';
}

/** `host:port`, `[v6]:port`, or a bare host (the protocol's default port), as in a database's `uri`. */
export function parseDatabaseAddress(uri: string, name: string, defaultPort: number): DatabaseAddress {
  const bad = (): InvalidAddressError =>
    new InvalidAddressError(`database ${name} has an invalid address ${JSON.stringify(uri)} in the agent's configuration (expected host:port)`);
  const port = (text: string | undefined): number => {
    if (text === undefined) return defaultPort;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw bad();
    return n;
  };
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(uri);
  if (bracketed) {
    if (isIP(bracketed[1]!) !== 6) throw bad();
    return { host: bracketed[1]!, port: port(bracketed[2]) };
  }
  // A bare IPv6 address has several colons and no port.
  if (isIP(uri) === 6) return { host: uri, port: defaultPort };
  const match = /^([^:\s/]+)(?::(\d+))?$/.exec(uri);
  if (!match) throw bad();
  return { host: match[1]!, port: port(match[2]) };
}

export function formatAddress({ host, port }: DatabaseAddress): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
