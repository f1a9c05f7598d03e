import tls from 'node:tls';

/** Databases × db users an agent serves at once, with room for a renewal's overlap. */
const MAX_CONTEXTS = 256;

const contexts = new Map<string, tls.SecureContext>();

/**
 * OpenSSL's default key exchange groups with P-256 moved to the front. A TLS 1.3 client
 * sends a key share for its first group only, X25519 by default; PostgreSQL takes just
 * the one curve of its ssl_ecdh_curve, prime256v1 (P-256) unless configured otherwise, so
 * every connection began with a HelloRetryRequest: an X25519 key made for nothing, a
 * second ClientHello and one more round trip to the database. P-256 first goes straight
 * through; servers that prefer another group still get it, with one retry as before.
 */
const DATABASE_GROUPS = 'P-256:X25519:X448:P-521:P-384:ffdhe2048:ffdhe3072:ffdhe4096:ffdhe6144:ffdhe8192';

export interface ClientTlsMaterial {
  /** PEM CA bundle that signed the database server's certificate. */
  caPem: string;
  /** The DB Client CA certificate and its key. */
  certPem: string;
  keyPem: string;
}

/**
 * The agent's TLS client context towards one database as one db user. Building a context
 * parses the CA bundle, the certificate and the private key; done per connection it was
 * about a tenth of the agent's CPU per new connection (pgbench -C). The certificate is
 * renewed well before it expires, and a renewed one gets a context of its own (the
 * oldest are dropped past MAX_CONTEXTS).
 */
export function clientTlsContext(m: ClientTlsMaterial): tls.SecureContext {
  // A certificate binds one key pair, so (CA, certificate) names the context; the key
  // is compared too, so a mismatched pair fails here as it would without the cache.
  const id = `${m.caPem}\u0000${m.certPem}`;
  const hit = contexts.get(id);
  if (hit && (hit as CachedContext).keyPem === m.keyPem) return hit;
  const ctx = tls.createSecureContext({ ca: m.caPem, cert: m.certPem, key: m.keyPem, minVersion: 'TLSv1.2', ecdhCurve: DATABASE_GROUPS }) as CachedContext;
  ctx.keyPem = m.keyPem;
  contexts.delete(id);
  contexts.set(id, ctx);
  if (contexts.size > MAX_CONTEXTS) contexts.delete(contexts.keys().next().value!);
  return ctx;
}

type CachedContext = tls.SecureContext & { keyPem?: string };

/** A server's last ticket, per client context (one per database and db user). */
const sessions = new WeakMap<tls.SecureContext, Map<string, Buffer>>();

/**
 * The TLS session to offer when connecting to `server` with `ctx`, if one is known. A
 * resumed session skips the certificate exchange and its signatures on both sides: for
 * databases that issue tickets (MySQL and MariaDB do; PostgreSQL does not), a new
 * connection costs a fraction of the handshake. The ticket was issued for this context's
 * client certificate and after the server's certificate was verified against its CA.
 */
export function resumableSession(ctx: tls.SecureContext, server: string): Buffer | undefined {
  return sessions.get(ctx)?.get(server);
}

/** Keeps a ticket the server sent (a socket's 'session' event) for the next connection. */
export function keepSession(ctx: tls.SecureContext, server: string, session: Buffer): void {
  let byServer = sessions.get(ctx);
  if (!byServer) sessions.set(ctx, (byServer = new Map()));
  byServer.set(server, session);
}
