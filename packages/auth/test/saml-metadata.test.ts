import { describe, expect, it } from 'vitest';
import { parseIdpMetadata } from '../src/sso/saml-metadata';

const CERT = 'MIIBszCCAVmgAwIBAgIUQ2VydGlmaWNhdGVGb3JUZXN0czAKBggqhkjOPQQDAjAP';

describe('IdP metadata', () => {
  it('reads the entity ID, the HTTP-Redirect SSO URL and the signing certificates, with or without prefixes', () => {
    const xml = `<?xml version="1.0"?>
<!-- <IDPSSODescriptor> in a comment is not the real one -->
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/saml">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>ENCRYPTION</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>
      ${CERT}
    </ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.com/post"/>
    <md:SingleSignOnService Location="https://idp.example.com/sso?a=1&amp;b=2" Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
    const md = parseIdpMetadata(xml);
    expect(md.entityId).toBe('https://idp.example.com/saml');
    expect(md.ssoUrl).toBe('https://idp.example.com/sso?a=1&b=2');
    expect(md.certs).toEqual([`-----BEGIN CERTIFICATE-----\n${CERT}\n-----END CERTIFICATE-----\n`]);
  });

  it('says what is missing', () => {
    expect(() => parseIdpMetadata('<EntityDescriptor entityID="x"><SPSSODescriptor/></EntityDescriptor>')).toThrow(/IDPSSODescriptor/);
    expect(() =>
      parseIdpMetadata(
        '<EntityDescriptor><IDPSSODescriptor><KeyDescriptor><X509Certificate>AA</X509Certificate></KeyDescriptor></IDPSSODescriptor></EntityDescriptor>',
      ),
    ).toThrow(/HTTP-Redirect/);
    expect(() =>
      parseIdpMetadata(
        '<EntityDescriptor><IDPSSODescriptor><SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://x"/></IDPSSODescriptor></EntityDescriptor>',
      ),
    ).toThrow(/signing certificate/);
  });
});
