import { createHash } from 'node:crypto';
import { readCertificateFields } from './cert-fields';
import { certificateDer } from './pem';

/** SHA-256 of the DER, lower-case hex: the same value `openssl x509 -fingerprint -sha256` shows, without colons. */
export function certificateFingerprint(cert: string | Buffer): string {
  return createHash('sha256').update(certificateDer(cert)).digest('hex');
}

export function certificateExpiry(cert: string | Buffer): Date {
  return readCertificateFields(certificateDer(cert)).notAfter;
}
