import { createPrivateKey, createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { Asn1ShapeError, bytes, nameValues, oid, OID_COMMON_NAME, sequence } from './asn1';
import { PkiError } from './errors';
import { encodeDer, forge, parseDer, utf8Field } from './forge';
import { checkName } from './names';
import { signCertificationRequest } from './native-sign';
import { decodePem } from './pem';
import type { KeyPair } from './types';

export interface ParsedCsr {
  commonName: string;
  /** SPKI PEM of the key the certificate will be issued for. */
  publicKeyPem: string;
}

/** A CSR of an RSA-4096 key with a long name is under 2 KiB; anything far bigger is not a CSR we want to parse. */
export const MAX_CSR_BYTES = 16 * 1024;
export const MIN_RSA_BITS = 2048;
export const MAX_RSA_BITS = 4096;

const OID_RSA = '1.2.840.113549.1.1.1';
const KEY_NAMES: Record<string, string> = {
  '1.2.840.10045.2.1': 'an EC key',
  '1.3.101.112': 'an Ed25519 key',
  '1.3.101.113': 'an Ed448 key',
  '1.2.840.113549.1.1.10': 'an RSA-PSS key',
  '1.2.840.10040.4.1': 'a DSA key',
};
const SIGNATURE_HASHES: Record<string, string> = {
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};
const KEY_ADVICE = `use an RSA key of ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits`;

export function createCsr(key: KeyPair, commonName: string): string {
  checkName(commonName, 'the common name');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key.privateKeyPem);
  } catch {
    throw new PkiError('invalid_argument', 'the private key could not be read (expected a PEM private key)');
  }
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw new PkiError('invalid_argument', `the key is ${privateKey.asymmetricKeyType ?? 'of an unknown type'}; ${KEY_ADVICE}`);
  }
  const csr = forge.pki.createCertificationRequest();
  // Derived from the private key rather than taken from key.publicKeyPem, so a mismatched
  // pair cannot produce a CSR for a key the caller does not hold.
  csr.publicKey = forge.pki.publicKeyFromPem(createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString());
  csr.setSubject([utf8Field('commonName', commonName)]);
  return signCertificationRequest(csr, privateKey);
}

interface CsrParts {
  criDer: Buffer;
  spkiDer: Buffer;
  keyOid: string;
  signatureOid: string;
  signatureBits: string;
  commonNames: string[];
}

function readCsr(der: Buffer): CsrParts {
  const [cri, signatureAlgorithm, signature] = sequence(parseDer(der), 'certification request');
  const [version, subject, spki] = sequence(cri, 'certificationRequestInfo');
  if (bytes(version, forge.asn1.Type.INTEGER, 'version') !== '\x00') throw new Asn1ShapeError('unsupported CSR version');
  const [keyAlgorithm] = sequence(spki, 'subjectPublicKeyInfo');
  const [sigAlgOid] = sequence(signatureAlgorithm, 'signatureAlgorithm');
  const [keyOid] = sequence(keyAlgorithm, 'key algorithm');
  return {
    // Re-encoding a strictly parsed node reproduces the signed bytes: forge keeps primitive
    // values raw and BIT STRINGs undecoded (see parseDer), and strict DER has one encoding.
    criDer: encodeDer(cri!),
    spkiDer: encodeDer(spki!),
    keyOid: oid(keyOid, 'key algorithm'),
    signatureOid: oid(sigAlgOid, 'signature algorithm'),
    signatureBits: bytes(signature, forge.asn1.Type.BITSTRING, 'signature'),
    commonNames: nameValues(subject, OID_COMMON_NAME),
  };
}

/**
 * Parses and checks a PEM CSR: size, structure, key type and size, and the self-signature
 * (proof that the requester holds the private key).
 */
export function parseCsr(pem: string): ParsedCsr {
  if (typeof pem !== 'string') throw new PkiError('csr_malformed', 'the certificate signing request must be a PEM string');
  const size = Buffer.byteLength(pem, 'utf8');
  if (size > MAX_CSR_BYTES) {
    throw new PkiError('csr_too_large', `the certificate signing request is ${size} bytes; the limit is ${MAX_CSR_BYTES / 1024} KiB`);
  }
  const der = decodePem(pem, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
  if (!der) {
    throw new PkiError('csr_malformed', 'no PEM certificate signing request found (expected "-----BEGIN CERTIFICATE REQUEST-----")');
  }
  let parts: CsrParts;
  try {
    parts = readCsr(der);
  } catch (err) {
    throw new PkiError('csr_malformed', `the certificate signing request could not be read (${(err as Error).message})`);
  }
  // The key type is decided from the algorithm OID alone, before any key parsing: parsers
  // that only know RSA fail on other keys with errors that say nothing useful.
  if (parts.keyOid !== OID_RSA) {
    const what = KEY_NAMES[parts.keyOid] ?? `a key of type ${parts.keyOid}`;
    throw new PkiError('csr_key_type', `the certificate signing request has ${what}; ${KEY_ADVICE}`);
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: parts.spkiDer, format: 'der', type: 'spki' });
  } catch {
    throw new PkiError('csr_malformed', 'the public key in the certificate signing request could not be read');
  }
  const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  const exponent = publicKey.asymmetricKeyDetails?.publicExponent ?? 0n;
  if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
    throw new PkiError('csr_key_type', `the certificate signing request has a ${bits}-bit RSA key; ${KEY_ADVICE}`);
  }
  if (exponent < 3n || exponent % 2n === 0n) {
    throw new PkiError('csr_key_type', `the RSA key has an invalid public exponent; ${KEY_ADVICE}`);
  }
  const hash = SIGNATURE_HASHES[parts.signatureOid];
  if (!hash) {
    throw new PkiError('csr_signature', `the certificate signing request is signed with an unsupported algorithm (${parts.signatureOid}); sign it with SHA-256`);
  }
  const valid =
    parts.signatureBits.charCodeAt(0) === 0 &&
    verify(hash, parts.criDer, publicKey, Buffer.from(parts.signatureBits.slice(1), 'binary'));
  if (!valid) {
    throw new PkiError('csr_signature', 'the signature of the certificate signing request does not match its key; create a new one');
  }
  return {
    commonName: parts.commonNames[0] ?? '',
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
