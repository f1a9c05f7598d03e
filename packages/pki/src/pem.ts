import { PkiError } from './errors';

function firstBlock(text: string, labels: readonly string[]): Buffer | undefined {
  for (const label of labels) {
    const begin = `-----BEGIN ${label}-----`;
    const start = text.indexOf(begin);
    if (start < 0) continue;
    const end = text.indexOf(`-----END ${label}-----`, start + begin.length);
    if (end < 0) return undefined;
    const body = text.slice(start + begin.length, end).replace(/\s+/g, '');
    // Buffer.from(…, 'base64') skips characters it does not know; refuse them instead.
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length === 0) return undefined;
    return Buffer.from(body, 'base64');
  }
  return undefined;
}

export function decodePem(text: string, labels: readonly string[]): Buffer | undefined {
  return firstBlock(text, labels);
}

export function encodePem(der: Buffer, label: string): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function looksLikePem(buf: Buffer): boolean {
  return buf.subarray(0, 64).toString('latin1').includes('-----BEGIN');
}

/** Accepts a PEM string, PEM bytes or DER bytes; a PEM with a chain yields its first certificate. */
export function certificateDer(cert: string | Buffer): Buffer {
  if (Buffer.isBuffer(cert) && !looksLikePem(cert)) {
    if (cert.length === 0) throw new PkiError('cert_malformed', 'the certificate is empty');
    return cert;
  }
  const text = typeof cert === 'string' ? cert : cert.toString('latin1');
  const der = decodePem(text, ['CERTIFICATE']);
  if (!der) throw new PkiError('cert_malformed', 'no PEM certificate found (expected "-----BEGIN CERTIFICATE-----")');
  return der;
}
