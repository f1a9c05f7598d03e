import type { TLSSocket } from 'node:tls';
import { verifyHostCertificate } from '@postern/pki';
import { TunnelError } from './errors';

/**
 * TLS has checked the chain to the Host CA and the name; this adds that the peer is a proxy.
 * Agents and proxies share the Host CA, so without it a stolen agent certificate could pose
 * as a proxy and receive the client connections the agent would carry for it.
 */
export function verifyProxyCertificate(socket: TLSSocket, caPem: string): void {
  const cert = socket.getPeerCertificate();
  if (!cert || !Buffer.isBuffer(cert.raw)) throw new TunnelError('refused', 'the proxy presented no certificate');
  try {
    verifyHostCertificate(cert.raw, { trusted: [caPem], role: 'proxy' });
  } catch (err) {
    throw new TunnelError('refused', `the proxy's certificate was refused: ${(err as Error).message}`, { cause: err });
  }
}
