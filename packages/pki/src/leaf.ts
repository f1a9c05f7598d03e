import { isIP } from 'node:net';
import { BACKDATE_MS } from './authority';
import type { SigningCa } from './authority';
import { parseCsr } from './csr';
import { PkiError } from './errors';
import { forge, utf8Field } from './forge';
import { IDENTITY_EXTENSION_OID } from './identity';
import { checkName, checkNow, checkTtl } from './names';
import { randomSerialHex, signCertificate } from './native-sign';

export interface LeafRequest {
  ca: SigningCa;
  csrPem: string;
  commonName: string;
  serverAuth: boolean;
  clientAuth: boolean;
  /** DNS names and IP addresses, in order; sorted into DNS and IP SANs here. */
  altNames?: string[];
  /** DER of the identity extension's value, when the certificate carries one. */
  identity?: string;
  ttlMs: number;
  now?: Date;
}

const SAN_DNS = 2;
const SAN_IP = 7;
const DNS_NAME = /^(\*\.)?([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$/;

function altName(value: string): { type: number; value?: string; ip?: string } {
  if (isIP(value) !== 0) return { type: SAN_IP, ip: value };
  if (value.length > 253 || !DNS_NAME.test(value)) {
    throw new PkiError('invalid_argument', `"${value}" is neither a DNS name nor an IP address`);
  }
  return { type: SAN_DNS, value: value.toLowerCase() };
}

/**
 * Issues a leaf certificate for the key in a CSR. Only the key is taken from the CSR: the
 * subject and every extension come from the caller, so a requester cannot ask for more
 * than the Auth Service decided to grant.
 */
export function issueLeaf(req: LeafRequest): string {
  const csr = parseCsr(req.csrPem);
  const ttlMs = checkTtl(req.ttlMs);
  const now = checkNow(req.now);
  checkName(req.commonName, 'the common name');
  const { ca } = req;
  if (ca.notAfter.getTime() <= now.getTime()) {
    throw new PkiError('ca_expired', `the ${ca.type} CA of cluster ${ca.clusterName} expired at ${ca.notAfter.toISOString()}; rotate it`);
  }

  const cert = forge.pki.createCertificate();
  cert.version = 2;
  cert.serialNumber = randomSerialHex();
  cert.publicKey = forge.pki.publicKeyFromPem(csr.publicKeyPem);
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  // Never past the CA's own expiry: such a certificate would fail chain checks anyway, and
  // its stated lifetime would be a lie.
  cert.validity.notAfter = new Date(Math.min(now.getTime() + ttlMs, ca.notAfter.getTime()));
  cert.setSubject([utf8Field('commonName', req.commonName)]);

  const extensions: object[] = [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: req.serverAuth, clientAuth: req.clientAuth },
    { name: 'subjectKeyIdentifier' },
  ];
  // During a rotation the old and new CA share a subject name; the key id is how TLS
  // stacks pick the right one.
  if (ca.keyId !== undefined) extensions.push({ name: 'authorityKeyIdentifier', keyIdentifier: ca.keyId });
  const seen = new Set<string>();
  const altNames = (req.altNames ?? []).map(altName).filter((a) => {
    const k = `${a.type}:${a.ip ?? a.value}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
  if (altNames.length > 0) extensions.push({ name: 'subjectAltName', altNames });
  if (req.identity !== undefined) extensions.push({ id: IDENTITY_EXTENSION_OID, critical: false, value: req.identity });
  cert.setExtensions(extensions);

  return signCertificate(cert, ca.key, (tbs) => {
    // forge re-encodes names from its own attribute model, which may not match the CA
    // certificate byte for byte; issuer and CA subject must be identical for chain building.
    if (!Array.isArray(tbs.value) || tbs.value.length < 4) throw new Error('unexpected TBSCertificate shape');
    tbs.value[3] = ca.subject;
  });
}
