import { createHash, createPublicKey, sign, verify, X509Certificate } from 'node:crypto';

/**
 * Agents and proxies call the Auth Service with their host certificate instead of a
 * bearer secret: the request carries the certificate and a signature, made with the host's
 * private key, over method, path, time and the body's hash. A stolen log line or header is
 * useless a minute later, and nothing secret is stored for hosts.
 *   Authorization: PosternHost <cert DER base64url>.<unix ms>.<signature base64url>
 */
export const HOST_SIGNATURE_SCHEME = 'PosternHost';
export const HOST_SIGNATURE_MAX_AGE_MS = 60_000;

function signedText(method: string, path: string, ms: number, body: string): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return `${method.toUpperCase()}\n${path}\n${ms}\n${bodyHash}`;
}

export function signHostRequest(opts: { certPem: string; privateKeyPem: string; method: string; path: string; body: string; now?: number }): string {
  const ms = opts.now ?? Date.now();
  const der = new X509Certificate(opts.certPem).raw.toString('base64url');
  const sig = sign('sha256', Buffer.from(signedText(opts.method, opts.path, ms, opts.body)), opts.privateKeyPem).toString('base64url');
  return `${HOST_SIGNATURE_SCHEME} ${der}.${ms}.${sig}`;
}

/** Returns the certificate (DER) when the signature holds; the caller verifies the certificate itself. */
export function checkHostRequestSignature(
  header: string,
  req: { method: string; path: string; body: string; now?: number },
): { ok: true; certDer: Buffer } | { ok: false; reason: string } {
  const m = /^PosternHost ([A-Za-z0-9_-]+)\.(\d{1,16})\.([A-Za-z0-9_-]+)$/.exec(header);
  if (!m) return { ok: false, reason: 'malformed host signature' };
  const certDer = Buffer.from(m[1]!, 'base64url');
  const ms = Number(m[2]);
  const now = req.now ?? Date.now();
  if (Math.abs(now - ms) > HOST_SIGNATURE_MAX_AGE_MS) {
    return { ok: false, reason: 'host signature is too old or from the future: check the clock of this host' };
  }
  let publicKey;
  try {
    publicKey = createPublicKey(new X509Certificate(certDer).publicKey.export({ type: 'spki', format: 'pem' }));
  } catch {
    return { ok: false, reason: 'malformed host certificate' };
  }
  const good = verify('sha256', Buffer.from(signedText(req.method, req.path, ms, req.body)), publicKey, Buffer.from(m[3]!, 'base64url'));
  return good ? { ok: true, certDer } : { ok: false, reason: 'host signature does not match' };
}
