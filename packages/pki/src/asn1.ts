import { forge } from './forge';

type Asn1 = forge.asn1.Asn1;
const { Class, Type } = forge.asn1;

/** Thrown by the readers below; callers turn it into cert_malformed or csr_malformed. */
export class Asn1ShapeError extends Error {}

export function children(node: Asn1 | undefined, what: string): Asn1[] {
  if (!node || !node.constructed || !Array.isArray(node.value)) throw new Asn1ShapeError(`${what}: expected a constructed value`);
  return node.value;
}

export function universal(node: Asn1 | undefined, type: number, what: string): Asn1 {
  if (!node || node.tagClass !== Class.UNIVERSAL || node.type !== type) throw new Asn1ShapeError(`${what}: unexpected tag`);
  return node;
}

export function sequence(node: Asn1 | undefined, what: string): Asn1[] {
  return children(universal(node, Type.SEQUENCE, what), what);
}

export function bytes(node: Asn1 | undefined, type: number, what: string): string {
  const n = universal(node, type, what);
  if (typeof n.value !== 'string') throw new Asn1ShapeError(`${what}: expected a primitive value`);
  return n.value;
}

export function oid(node: Asn1 | undefined, what: string): string {
  return forge.asn1.derToOid(bytes(node, Type.OID, what));
}

export function isContext(node: Asn1 | undefined, tag: number): boolean {
  return node !== undefined && node.tagClass === Class.CONTEXT_SPECIFIC && node.type === tag;
}

export function time(node: Asn1 | undefined, what: string): Date {
  let date: Date;
  if (node?.tagClass === Class.UNIVERSAL && node.type === Type.UTCTIME && typeof node.value === 'string') {
    date = forge.asn1.utcTimeToDate(node.value);
  } else if (node?.tagClass === Class.UNIVERSAL && node.type === Type.GENERALIZEDTIME && typeof node.value === 'string') {
    date = forge.asn1.generalizedTimeToDate(node.value);
  } else {
    throw new Asn1ShapeError(`${what}: expected a time`);
  }
  if (Number.isNaN(date.getTime())) throw new Asn1ShapeError(`${what}: invalid time`);
  return date;
}

const T61STRING = 20;
const VISIBLESTRING = 26;

/** Decodes the DirectoryString types that appear in real names. */
export function directoryString(node: Asn1 | undefined, what: string): string {
  if (!node || node.tagClass !== Class.UNIVERSAL || typeof node.value !== 'string') {
    throw new Asn1ShapeError(`${what}: expected a string`);
  }
  const raw = node.value;
  switch (node.type as number) {
    case Type.UTF8: {
      // forge's decodeUtf8 silently accepts some invalid input; TextDecoder with fatal does not.
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(raw, 'binary'));
      } catch {
        throw new Asn1ShapeError(`${what}: invalid UTF-8`);
      }
    }
    case Type.PRINTABLESTRING:
    case Type.IA5STRING:
    case T61STRING:
    case VISIBLESTRING:
      return raw;
    case Type.BMPSTRING: {
      const buf = Buffer.from(raw, 'binary');
      if (buf.length % 2 !== 0) throw new Asn1ShapeError(`${what}: invalid BMPString`);
      return buf.swap16().toString('utf16le');
    }
    default:
      throw new Asn1ShapeError(`${what}: unsupported string type ${node.type}`);
  }
}

export const OID_COMMON_NAME = '2.5.4.3';

/** All values of one attribute type in a Name, in order. */
export function nameValues(name: Asn1 | undefined, attributeOid: string): string[] {
  const out: string[] = [];
  for (const rdn of children(universal(name, Type.SEQUENCE, 'name'), 'name')) {
    for (const atv of children(universal(rdn, Type.SET, 'name RDN'), 'name RDN')) {
      const [type, value] = sequence(atv, 'name attribute');
      if (oid(type, 'name attribute type') === attributeOid) out.push(directoryString(value, 'name attribute value'));
    }
  }
  return out;
}
