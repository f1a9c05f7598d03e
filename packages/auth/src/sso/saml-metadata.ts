// The few things a SAML service provider needs from an identity provider's metadata: its
// entity ID, where to send the AuthnRequest (HTTP-Redirect binding) and the certificates
// it signs with. Read with tolerant patterns rather than a DOM: the metadata comes from the
// admin (a file or a URL they chose), and nothing here is trusted for signatures beyond
// the certificates it names, which the admin vouches for by configuring the connector.

export interface IdpMetadata {
  entityId: string | undefined;
  ssoUrl: string;
  certs: string[];
}

const REDIRECT_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

export class MetadataError extends Error {
  override name = 'MetadataError';
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&amp;/g, '&');
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    out[m[1]!.replace(/^.*:/, '')] = decodeEntities(m[2] ?? m[3] ?? '');
  }
  return out;
}

/** The element's content, namespace prefix or not. */
function elements(xml: string, localName: string): { attrs: Record<string, string>; body: string }[] {
  const re = new RegExp(`<(?:[\\w.-]+:)?${localName}\\b([^>]*?)(?:/>|>([\\s\\S]*?)</(?:[\\w.-]+:)?${localName}\\s*>)`, 'g');
  return [...xml.matchAll(re)].map((m) => ({ attrs: attributes(m[1] ?? ''), body: m[2] ?? '' }));
}

export function toPem(base64: string): string {
  const body = base64.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`;
}

export function parseIdpMetadata(xml: string): IdpMetadata {
  const withoutComments = xml.replace(/<!--[\s\S]*?-->/g, '');
  const idp = elements(withoutComments, 'IDPSSODescriptor')[0];
  if (!idp) throw new MetadataError('the metadata has no IDPSSODescriptor: is it the identity provider\'s metadata (not a service provider\'s)?');
  const entity = elements(withoutComments, 'EntityDescriptor')[0];
  const sso = elements(idp.body, 'SingleSignOnService').find((e) => e.attrs.Binding === REDIRECT_BINDING);
  if (!sso?.attrs.Location) throw new MetadataError('the metadata has no SingleSignOnService with the HTTP-Redirect binding');
  const certs = elements(idp.body, 'KeyDescriptor')
    .filter((k) => k.attrs.use === undefined || k.attrs.use === 'signing')
    .flatMap((k) => elements(k.body, 'X509Certificate').map((c) => toPem(decodeEntities(c.body))));
  if (certs.length === 0) throw new MetadataError('the metadata names no signing certificate (KeyDescriptor use="signing")');
  return { entityId: entity?.attrs.entityID, ssoUrl: sso.attrs.Location, certs: [...new Set(certs)] };
}
