import { X509Certificate } from 'node:crypto';
import { checkHostRequestSignature, HostRequestSigner, signHostRequest } from '@postern/api';
import { createCertAuthority, createCsr, generateKeyPair, signHostCertificate, type KeyPair } from '@postern/pki';
import { beforeAll, describe, expect, it } from 'vitest';

// Hosts sign each call to the Auth Service with their certificate's key. The signer parses its
// key once and the checker decodes each certificate's public key once: neither may let a
// request through that the per-request parsing refused.

let certA: string;
let keyA: KeyPair;
let keyB: KeyPair;
const req = { method: 'POST', path: '/api/v1/audit/events', body: '{"events":[]}' };

beforeAll(async () => {
  const ca = await createCertAuthority('host', 'acme');
  [keyA, keyB] = await Promise.all([generateKeyPair(), generateKeyPair()]);
  certA = signHostCertificate(ca, createCsr(keyA, 'a'), { hostId: '6f1c2b1e-7d1a-4c55-9a55-0d1b0f3c9a11', hostname: 'a', role: 'agent' }, 3_600_000);
});

describe('host request signatures', () => {
  it('a signer made once signs every request so that it checks, carrying its certificate', () => {
    const signer = new HostRequestSigner(certA, keyA.privateKeyPem);
    for (const path of ['/api/v1/agents/heartbeat', '/api/v1/agents/access', req.path]) {
      const checked = checkHostRequestSignature(signer.sign({ ...req, path }), { ...req, path });
      expect(checked).toMatchObject({ ok: true });
      expect(checked.ok && checked.certDer.equals(new X509Certificate(certA).raw)).toBe(true);
    }
  });

  it('refuses a request whose method, path or body is not what was signed', () => {
    const header = signHostRequest({ certPem: certA, privateKeyPem: keyA.privateKeyPem, ...req });
    expect(checkHostRequestSignature(header, req)).toMatchObject({ ok: true });
    for (const other of [{ ...req, method: 'DELETE' }, { ...req, path: '/api/v1/agents/access' }, { ...req, body: '{"events":[1]}' }]) {
      expect(checkHostRequestSignature(header, other)).toEqual({ ok: false, reason: 'host signature does not match' });
    }
  });

  it("refuses a certificate presented with another key's signature, though that certificate's key is known", () => {
    // The good request first, so that certificate A's public key is remembered.
    expect(checkHostRequestSignature(new HostRequestSigner(certA, keyA.privateKeyPem).sign(req), req)).toMatchObject({ ok: true });
    const forged = new HostRequestSigner(certA, keyB.privateKeyPem).sign(req);
    expect(checkHostRequestSignature(forged, req)).toEqual({ ok: false, reason: 'host signature does not match' });
  });

  it('refuses old signatures and headers that are not one', () => {
    const signer = new HostRequestSigner(certA, keyA.privateKeyPem);
    const old = signer.sign({ ...req, now: Date.now() - 120_000 });
    expect(checkHostRequestSignature(old, req)).toMatchObject({ ok: false, reason: expect.stringMatching(/too old or from the future/) });
    expect(checkHostRequestSignature('Bearer x', req)).toEqual({ ok: false, reason: 'malformed host signature' });
    expect(checkHostRequestSignature(`PosternHost AAAA.${Date.now()}.AAAA`, req)).toEqual({ ok: false, reason: 'malformed host certificate' });
  });
});
