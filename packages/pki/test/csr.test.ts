import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCsr, generateKeyPair, MAX_CSR_BYTES, parseCsr } from '../src';
import { ecCsr, fixtures, hasOpenssl, openssl, opensslCsr, pkiError } from './fixtures';

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}
function derToPem(der: Buffer, label = 'CERTIFICATE REQUEST'): string {
  return `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${label}-----\n`;
}

describe('createCsr / parseCsr', () => {
  it('round-trips the common name and the public key', async () => {
    const { key, csr } = await fixtures();
    const parsed = parseCsr(csr);
    expect(parsed.commonName).toBe('requester');
    expect(parsed.publicKeyPem).toBe(key.publicKeyPem);
  });

  it('keeps names PrintableString cannot hold', async () => {
    const { key } = await fixtures();
    expect(parseCsr(createCsr(key, 'zoë_o@example.com')).commonName).toBe('zoë_o@example.com');
  });

  it.skipIf(!hasOpenssl)('produces a CSR that OpenSSL accepts', async () => {
    const { csr } = await fixtures();
    const r = openssl(['req', '-in', 'csr.pem', '-noout', '-verify', '-subject'], { 'csr.pem': csr });
    expect(r.output).toMatch(/verify OK/i);
    expect(r.output).toContain('CN = requester');
    expect(r.status).toBe(0);
  });

  it.skipIf(!hasOpenssl)('reads a CSR made by OpenSSL', () => {
    const parsed = parseCsr(opensslCsr(['-newkey', 'rsa:2048']));
    expect(parsed.commonName).toBe('openssl-user');
    expect(createPublicKey(parsed.publicKeyPem).asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('refuses garbage', () => {
    pkiError(() => parseCsr('hello'), 'csr_malformed');
    pkiError(() => parseCsr('-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n'), 'csr_malformed');
    pkiError(() => parseCsr(derToPem(Buffer.from('30030201', 'hex'))), 'csr_malformed');
  });

  it('refuses a certificate where a CSR is expected', async () => {
    const { userCa } = await fixtures();
    pkiError(() => parseCsr(userCa.certPem), 'csr_malformed');
    pkiError(() => parseCsr(userCa.certPem.replace(/CERTIFICATE/g, 'CERTIFICATE REQUEST')), 'csr_malformed');
  });

  it('refuses input over 16 KiB before parsing it', async () => {
    const { csr } = await fixtures();
    // Valid CSR plus padding: only the size check can reject it.
    const padded = csr + '\n'.repeat(MAX_CSR_BYTES);
    const err = pkiError(() => parseCsr(padded), 'csr_too_large');
    expect(err.message).toContain('16 KiB');
    expect(parseCsr(csr + '\n'.repeat(1000)).commonName).toBe('requester');
  });

  it('refuses an EC key, saying what to use instead', () => {
    const err = pkiError(() => parseCsr(ecCsr()), 'csr_key_type');
    expect(err.message).toContain('EC key');
    expect(err.message).toContain('use an RSA key of 2048 to 4096 bits');
  });

  it.skipIf(!hasOpenssl)('refuses an EC key CSR made by OpenSSL, and the hand-built one is a valid CSR', () => {
    const ec = opensslCsr(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    pkiError(() => parseCsr(ec), 'csr_key_type');
    const r = openssl(['req', '-in', 'ec.pem', '-noout', '-verify'], { 'ec.pem': ecCsr() });
    expect(r.output).toMatch(/verify OK/i);
  });

  it.skipIf(!hasOpenssl)('refuses an Ed25519 key', () => {
    pkiError(() => parseCsr(opensslCsr(['-newkey', 'ed25519'])), 'csr_key_type');
  });

  it('refuses a 1024-bit RSA key', () => {
    const small = generateKeyPairSync('rsa', {
      modulusLength: 1024,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const csr = createCsr({ privateKeyPem: small.privateKey, publicKeyPem: small.publicKey }, 'weak');
    const err = pkiError(() => parseCsr(csr), 'csr_key_type');
    expect(err.message).toContain('1024-bit');
    expect(err.message).toContain('use an RSA key of 2048 to 4096 bits');
  });

  it('refuses a CSR whose self-signature does not match', async () => {
    const { key } = await fixtures();
    const der = pemToDer(createCsr(key, 'alice'));
    const at = der.indexOf(Buffer.from('alice'));
    expect(at).toBeGreaterThan(0);
    der[at] = 'm'.charCodeAt(0); // "mlice": still well-formed, no longer what was signed
    pkiError(() => parseCsr(derToPem(der)), 'csr_signature');
  });

  it('refuses a CSR signed by a different key than the one it carries', async () => {
    const { key } = await fixtures();
    const other = await generateKeyPair();
    // Same subject, same length: splice the other key's SPKI into the first CSR.
    const a = pemToDer(createCsr(key, 'alice'));
    const spkiA = pemToDer(key.publicKeyPem);
    const spkiB = pemToDer(other.publicKeyPem);
    const at = a.indexOf(spkiA);
    expect(at).toBeGreaterThan(0);
    spkiB.copy(a, at);
    pkiError(() => parseCsr(derToPem(a)), 'csr_signature');
  });
});
