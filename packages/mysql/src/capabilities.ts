import { Capability as C } from './protocol/constants';

// Which capability flags Postern lets a session use. The client negotiates with the proxy
// and the agent logs in to the real database later, so three parties must end up reading
// the same packet formats: the proxy offers a set, the client picks from it, and the agent
// asks the database for exactly the client's pick (as far as the database has it).

/**
 * Everything the relay passes through unchanged. Left out: compression (the relay reads
 * plain packets), query attributes and optional result set metadata (they change
 * COM_QUERY, COM_STMT_EXECUTE and COM_STMT_PREPARE_OK), expired-password sandboxes and
 * multi-factor authentication (the agent's login has neither), and client-side-only bits.
 */
export const RELAYABLE_CAPABILITIES =
  C.LongPassword |
  C.FoundRows |
  C.LongFlag |
  C.ConnectWithDb |
  C.NoSchema |
  C.Odbc |
  C.LocalFiles |
  C.IgnoreSpace |
  C.Protocol41 |
  C.Interactive |
  C.Ssl |
  C.IgnoreSigpipe |
  C.Transactions |
  C.Reserved |
  C.SecureConnection |
  C.MultiStatements |
  C.MultiResults |
  C.PsMultiResults |
  C.PluginAuth |
  C.ConnectAttrs |
  C.PluginAuthLenencClientData |
  C.SessionTrack |
  C.DeprecateEof;

/**
 * Flags that change packet formats after the handshake (OK packets, the end of result
 * sets). Client and database must agree on them exactly: a client that has one the
 * database lacks cannot be relayed faithfully.
 */
export const FORMAT_CAPABILITIES = C.SessionTrack | C.DeprecateEof;

/** Only in the handshake; the agent sets them for its own login as the database allows. */
const LOGIN_CAPABILITIES = C.ConnectWithDb | C.ConnectAttrs | C.PluginAuth | C.PluginAuthLenencClientData | C.Ssl;

/**
 * Always offered: the 4.1 protocol with plugin authentication, and LongPassword, which
 * tells MariaDB clients this is not a MariaDB server, so they send no extended
 * capabilities (bulk execute, metadata caching) that Postern does not relay.
 */
const REQUIRED_CAPABILITIES = C.Protocol41 | C.SecureConnection | C.PluginAuth | C.LongPassword;

/**
 * What the proxy offers by default: every relayable flag that MySQL 5.5+ and MariaDB 10+
 * servers all have, so any database behind the proxy can honour the client's choice.
 * CLIENT_DEPRECATE_EOF and CLIENT_SESSION_TRACK (MySQL 5.7, MariaDB 10.2) are left out
 * and can be offered with `capabilities` when the databases are known to have them (see
 * probeServer); clients work either way.
 */
export const DEFAULT_PROXY_CAPABILITIES = (RELAYABLE_CAPABILITIES & ~FORMAT_CAPABILITIES & ~C.Ssl) >>> 0;

/** The flags the proxy's greeting carries for a requested set. */
export function proxyCapabilities(requested: number = DEFAULT_PROXY_CAPABILITIES, tls: boolean): number {
  const offered = (requested & RELAYABLE_CAPABILITIES & ~C.Ssl) | REQUIRED_CAPABILITIES | (tls ? C.Ssl : 0);
  return offered >>> 0;
}

/** The flags in effect with a client: what it asked for and was offered, as a server would take them. */
export function agreedCapabilities(client: number, offered: number): number {
  return (client & offered) >>> 0;
}

/** What the database must support for a session with the client's flags; 0 when nothing is missing. */
export function missingFormatCapabilities(client: number, server: number): number {
  return (client & FORMAT_CAPABILITIES & ~server) >>> 0;
}

/**
 * The flags of the agent's login at the database: the client's flags as far as the
 * database has them, TLS, and the handshake-only flags the database supports.
 */
export function upstreamCapabilities(client: number, server: number, database: string): number {
  const session = client & server & RELAYABLE_CAPABILITIES & ~LOGIN_CAPABILITIES;
  const login = (server & (C.PluginAuth | C.PluginAuthLenencClientData | C.ConnectAttrs)) | (database ? C.ConnectWithDb : 0);
  return (session | login | C.Ssl | C.Protocol41 | C.SecureConnection) >>> 0;
}
