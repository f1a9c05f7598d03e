import { isIP } from 'node:net';
import { SessionFailure } from './failure';
import { SqlState } from '../protocol/sqlstate';

export const DEFAULT_POSTGRES_PORT = 5432;

export interface DatabaseAddress {
  host: string;
  port: number;
}

/** `host:port`, `[v6]:port`, or a bare host (port 5432), as in a database's `uri`. */
export function parseDatabaseAddress(uri: string, name: string): DatabaseAddress {
  const bad = (): SessionFailure =>
    new SessionFailure(SqlState.InternalError, `database ${name} has an invalid address ${JSON.stringify(uri)} in the agent's configuration (expected host:port)`);
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(uri);
  if (bracketed) {
    if (isIP(bracketed[1]!) !== 6) throw bad();
    return { host: bracketed[1]!, port: parsePort(bracketed[2], bad) };
  }
  // A bare IPv6 address has several colons and no port.
  if (isIP(uri) === 6) return { host: uri, port: DEFAULT_POSTGRES_PORT };
  const match = /^([^:\s/]+)(?::(\d+))?$/.exec(uri);
  if (!match) throw bad();
  return { host: match[1]!, port: parsePort(match[2], bad) };
}

function parsePort(text: string | undefined, bad: () => Error): number {
  if (text === undefined) return DEFAULT_POSTGRES_PORT;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad();
  return port;
}

export function formatAddress({ host, port }: DatabaseAddress): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
