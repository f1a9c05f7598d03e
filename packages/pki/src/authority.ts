import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { nameValues } from './asn1';
import { readCertificateFields } from './cert-fields';
import { PkiError } from './errors';
import { forge, parseDer, utf8Field } from './forge';
import { generateKeyPair } from './keys';
import { checkName, checkNow } from './names';
import { randomSerialHex, signCertificate } from './native-sign';
import { CA_TYPES } from './types';
import type { CaType, CertAuthority } from './types';

export const DEFAULT_CA_VALIDITY_DAYS = 3650;
/** Backdating absorbs clocks that run a little behind the issuer's. */
export const BACKDATE_MS = 60_000;
const DAY_MS = 86_400_000;
const OID_SUBJECT_KEY_IDENTIFIER = '2.5.29.14';
const OID_ORGANIZATION = '2.5.4.10';

export function caCommonName(type: CaType): string {
  return `Postern ${type} CA`;
}

export async function createCertAuthority(
  type: CaType,
  clusterName: string,
  opts: { validityDays?: number; now?: Date } = {},
): Promise<CertAuthority> {
  if (!CA_TYPES.includes(type)) throw new PkiError('invalid_argument', `unknown CA type ${String(type)}`);
  checkName(clusterName, 'the cluster name', 64);
  const days = opts.validityDays ?? DEFAULT_CA_VALIDITY_DAYS;
  if (!Number.isFinite(days) || days <= 0) throw new PkiError('invalid_argument', 'validityDays must be a positive number');
  const now = checkNow(opts.now);

  const key = await generateKeyPair();
  const cert = forge.pki.createCertificate();
  cert.version = 2;
  cert.serialNumber = randomSerialHex();
  cert.publicKey = forge.pki.publicKeyFromPem(key.publicKeyPem);
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  cert.validity.notAfter = new Date(now.getTime() + days * DAY_MS);
  const name = [utf8Field('organizationName', clusterName), utf8Field('commonName', caCommonName(type))];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    // pathLen 0: a Postern CA signs leaf certificates only, never another CA.
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  const certPem = signCertificate(cert, createPrivateKey(key.privateKeyPem));
  return { type, clusterName, certPem, privateKeyPem: key.privateKeyPem };
}

/** What signing needs from a CA, parsed once. */
export interface SigningCa {
  type: CaType;
  clusterName: string;
  key: KeyObject;
  /** The CA's subject exactly as encoded in its certificate, reused as the issuer of what it signs. */
  subject: forge.asn1.Asn1;
  /** Subject key identifier (binary string), copied into the authority key identifier of issued certificates. */
  keyId: string | undefined;
  notAfter: Date;
}

const MAX_CACHED = 16;
const signingCache = new Map<string, { privateKeyPem: string; ca: SigningCa }>();

export function signingCa(ca: CertAuthority, expected: CaType): SigningCa {
  if (ca.type !== expected) {
    throw new PkiError('invalid_argument', `this certificate must be signed by the ${expected} CA, not the ${ca.type} CA`);
  }
  const hit = signingCache.get(ca.certPem);
  if (hit && hit.privateKeyPem === ca.privateKeyPem && hit.ca.type === ca.type && hit.ca.clusterName === ca.clusterName) {
    return hit.ca;
  }
  const parsed = loadSigningCa(ca);
  if (signingCache.size >= MAX_CACHED) {
    const oldest = signingCache.keys().next().value;
    if (oldest !== undefined) signingCache.delete(oldest);
  }
  signingCache.set(ca.certPem, { privateKeyPem: ca.privateKeyPem, ca: parsed });
  return parsed;
}

function loadSigningCa(ca: CertAuthority): SigningCa {
  let x509: X509Certificate;
  let key: KeyObject;
  try {
    x509 = new X509Certificate(ca.certPem);
    key = createPrivateKey(ca.privateKeyPem);
  } catch (err) {
    throw new PkiError('ca_invalid', `the ${ca.type} CA could not be loaded (${(err as Error).message})`);
  }
  if (!x509.ca) throw new PkiError('ca_invalid', `the ${ca.type} CA certificate is not a CA certificate`);
  if (key.asymmetricKeyType !== 'rsa') throw new PkiError('ca_invalid', `the ${ca.type} CA key must be RSA`);
  // A key that does not belong to the certificate would sign certificates nobody can verify.
  const fromKey = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const fromCert = x509.publicKey.export({ type: 'spki', format: 'der' });
  if (!fromKey.equals(fromCert)) {
    throw new PkiError('ca_invalid', `the ${ca.type} CA private key does not match its certificate`);
  }
  const fields = readCertificateFields(x509.raw);
  // The cluster name goes into every identity this CA signs; it must be the one the CA was made for.
  if (!nameValues(fields.subject, OID_ORGANIZATION).includes(ca.clusterName)) {
    throw new PkiError('ca_invalid', `the ${ca.type} CA certificate was not made for cluster "${ca.clusterName}"`);
  }
  const ski = fields.extensions.get(OID_SUBJECT_KEY_IDENTIFIER);
  let keyId: string | undefined;
  if (ski) {
    const node = parseDer(Buffer.from(ski.value, 'binary'));
    if (typeof node.value === 'string') keyId = node.value;
  }
  return { type: ca.type, clusterName: ca.clusterName, key, subject: fields.subject, keyId, notAfter: fields.notAfter };
}
