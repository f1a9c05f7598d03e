import net from 'node:net';
import tls from 'node:tls';
import { sslRequest } from './pg-wire';
import { describeTlsError } from './tls-errors';
import type { HostPort } from './proxy-addr';

export interface DbCredentials {
  certPem: string;
  keyPem: string;
  /** The cluster's Host CA: the proxy's certificate must chain to it. */
  caPem: string;
}

export class ProxyTlsError extends Error {
  override name = 'ProxyTlsError';
}

/** The next chunk from a socket, which is left paused so that a relay can take over. */
export function nextChunk(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    };
    const onData = (chunk: Buffer) => {
      cleanup();
      socket.pause();
      resolve(chunk);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onEnd = () => {
      cleanup();
      reject(new Error('it closed the connection'));
    };
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
  });
}

/** A TCP connection to the proxy, given up after `timeoutMs`. */
export function connectTcp(target: HostPort, timeoutMs = 15_000): Promise<net.Socket> {
  const raw = net.connect({ host: target.host, port: target.port });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => raw.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    const onError = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    raw.once('error', onError);
    raw.once('connect', () => {
      clearTimeout(timer);
      raw.off('error', onError);
      resolve(raw);
    });
  });
}

/**
 * TLS over `raw` with the database certificate, checking that the proxy's certificate is
 * from the Host CA and names the host dialled (libpq's sslmode=verify-full, MySQL's
 * VERIFY_IDENTITY). Rejects with the TLS error as it is.
 */
export function startProxyTls(raw: net.Socket, target: HostPort, creds: DbCredentials): Promise<tls.TLSSocket> {
  const secure = tls.connect({
    socket: raw,
    host: target.host,
    // SNI carries names only; an IP address is still checked against the certificate.
    ...(net.isIP(target.host) ? {} : { servername: target.host }),
    ca: creds.caPem,
    cert: creds.certPem,
    key: creds.keyPem,
    minVersion: 'TLSv1.2',
  });
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    secure.once('secureConnect', () => {
      secure.off('error', onError);
      resolve(secure);
    });
    secure.once('error', onError);
  });
}

/**
 * A TLS connection to the proxy's PostgreSQL port, as libpq makes it with
 * sslmode=verify-full: SSLRequest, 'S', then TLS with the database certificate.
 */
export async function connectProxyTls(target: HostPort, creds: DbCredentials, timeoutMs = 15_000): Promise<tls.TLSSocket> {
  const where = `${target.host}:${target.port}`;
  const raw = net.connect({ host: target.host, port: target.port });
  const timer = setTimeout(() => raw.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  try {
    await new Promise<void>((resolve, reject) => {
      raw.once('connect', resolve);
      raw.once('error', reject);
    });
    raw.write(sslRequest());
    const answer = await nextChunk(raw);
    if (answer[0] === 'N'.charCodeAt(0)) throw new Error('it does not offer TLS for PostgreSQL (is it a Postern proxy?)');
    if (answer[0] !== 'S'.charCodeAt(0)) throw new Error('it did not answer the SSLRequest as PostgreSQL does (is it a Postern proxy?)');
    // Bytes after 'S' but before the handshake would be injected by someone in between
    // (CVE-2021-23222); the client's side of the TLS session must not see them.
    if (answer.length > 1) throw new Error('it sent data before the TLS handshake');
    return await startProxyTls(raw, target, creds);
  } catch (err) {
    raw.destroy();
    throw new ProxyTlsError(`cannot reach the Postern proxy at ${where}: ${describeTlsError(err as Error)}`);
  } finally {
    clearTimeout(timer);
  }
}
