import { randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { certificationRequestInfo, encodeDer, forge, tbsCertificate } from './forge';

const SHA256_WITH_RSA = forge.pki.oids.sha256WithRSAEncryption as string;

/*
 * forge builds and encodes the certificate; Node's crypto makes the signature. forge's
 * pure-JS RSA is the slow part of issuing. Measured with bench/sign.bench.ts (RSA-2048,
 * SHA-256, Node 20, 2 cores, 50 certificates each, three runs): building and signing with
 * forge's cert.sign() took 29-39 ms per certificate, building with forge and signing the
 * TBSCertificate with crypto.sign 0.4-0.9 ms (crypto.sign alone is about 0.3 ms). That is
 * the difference between a login storm being CPU bound on the Auth Service and not.
 */
export function signCertificate(
  cert: forge.pki.Certificate,
  caKey: KeyObject,
  adjustTbs?: (tbs: forge.asn1.Asn1) => void,
): string {
  cert.siginfo.algorithmOid = SHA256_WITH_RSA;
  cert.signatureOid = SHA256_WITH_RSA;
  cert.tbsCertificate = tbsCertificate(cert);
  adjustTbs?.(cert.tbsCertificate);
  const signature = sign('sha256', encodeDer(cert.tbsCertificate), caKey);
  cert.signature = signature.toString('binary');
  return forge.pki.certificateToPem(cert);
}

export function signCertificationRequest(csr: forge.pki.CertificateSigningRequest, key: KeyObject): string {
  csr.siginfo.algorithmOid = SHA256_WITH_RSA;
  csr.signatureOid = SHA256_WITH_RSA;
  csr.certificationRequestInfo = certificationRequestInfo(csr);
  const signature = sign('sha256', encodeDer(csr.certificationRequestInfo), key);
  csr.signature = signature.toString('binary');
  return forge.pki.certificationRequestToPem(csr);
}

/**
 * 16 random bytes as a positive DER INTEGER. The top bit is cleared (a set bit would make
 * the number negative) and the next one set, so the first byte is never zero and forge
 * cannot emit a non-minimal encoding that strict parsers reject.
 */
export function randomSerialHex(): string {
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  return serial.toString('hex');
}
