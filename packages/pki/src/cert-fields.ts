import { Asn1ShapeError, bytes, isContext, nameValues, oid, OID_COMMON_NAME, sequence, time, children } from './asn1';
import { PkiError } from './errors';
import { forge, parseDer } from './forge';

const { Type } = forge.asn1;

export interface CertExtension {
  critical: boolean;
  /** The extnValue contents (DER), as a binary string. */
  value: string;
}

export interface CertFields {
  subject: forge.asn1.Asn1;
  commonNames: string[];
  notBefore: Date;
  notAfter: Date;
  extensions: Map<string, CertExtension>;
}

/**
 * Reads the few TBSCertificate fields Postern needs with a direct DER walk: it is cheaper
 * than forge's full certificate parse and, unlike it, does not care about the key type.
 */
export function readCertificateFields(der: Buffer): CertFields {
  try {
    const [tbs] = sequence(parseDer(der), 'certificate');
    const fields = sequence(tbs, 'tbsCertificate');
    // version is an optional [0] EXPLICIT field: everything after it shifts by one.
    const i = isContext(fields[0], 0) ? 1 : 0;
    const [notBefore, notAfter] = sequence(fields[i + 3], 'validity');
    const subject = fields[i + 4];
    if (!subject) throw new Asn1ShapeError('subject missing');
    const extensions = new Map<string, CertExtension>();
    const extsWrapper = fields.slice(i + 6).find((f) => isContext(f, 3));
    if (extsWrapper) {
      const [list] = children(extsWrapper, 'extensions');
      for (const ext of sequence(list, 'extensions')) {
        const parts = sequence(ext, 'extension');
        const id = oid(parts[0], 'extension id');
        const hasCritical = parts.length === 3;
        const critical = hasCritical ? bytes(parts[1], Type.BOOLEAN, 'extension critical') !== '\x00' : false;
        const value = bytes(parts[hasCritical ? 2 : 1], Type.OCTETSTRING, 'extension value');
        // RFC 5280 4.2: an extension appears at most once; two copies would make the reading ambiguous.
        if (extensions.has(id)) throw new Asn1ShapeError(`extension ${id} appears twice`);
        extensions.set(id, { critical, value });
      }
    }
    return {
      subject,
      commonNames: nameValues(subject, OID_COMMON_NAME),
      notBefore: time(notBefore, 'notBefore'),
      notAfter: time(notAfter, 'notAfter'),
      extensions,
    };
  } catch (err) {
    if (err instanceof PkiError) throw err;
    throw new PkiError('cert_malformed', `the certificate could not be read (${(err as Error).message})`);
  }
}
