import forge from 'node-forge';

// node-forge has these at run time but @types/node-forge does not declare them.
interface ForgeInternals {
  getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1;
  getCertificationRequestInfo(csr: forge.pki.CertificateSigningRequest): forge.asn1.Asn1;
}
const internals = forge.pki as unknown as ForgeInternals;

export function tbsCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1 {
  return internals.getTBSCertificate(cert);
}

export function certificationRequestInfo(csr: forge.pki.CertificateSigningRequest): forge.asn1.Asn1 {
  return internals.getCertificationRequestInfo(csr);
}

type FromDer = (
  bytes: string,
  options: { strict: boolean; parseAllBytes: boolean; decodeBitStrings: boolean },
) => forge.asn1.Asn1;

/**
 * Strict DER parse that leaves BIT STRINGs as bytes: forge otherwise tries to parse every
 * BIT STRING as nested ASN.1, which is wasted work on signatures and keys, and keeping the
 * raw bytes means re-encoding a parsed node reproduces the input exactly.
 */
export function parseDer(der: Buffer): forge.asn1.Asn1 {
  const fromDer = forge.asn1.fromDer as unknown as FromDer;
  return fromDer(der.toString('binary'), { strict: true, parseAllBytes: true, decodeBitStrings: false });
}

export function encodeDer(node: forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(node).getBytes(), 'binary');
}

export { forge };

/**
 * A name attribute encoded as UTF8String. forge defaults to PrintableString, which cannot
 * hold '@' or '_' and so would mis-encode ordinary user names.
 */
export function utf8Field(name: string, value: string): forge.pki.CertificateField {
  return { name, value, valueTagClass: forge.asn1.Type.UTF8 as number as forge.asn1.Class };
}
