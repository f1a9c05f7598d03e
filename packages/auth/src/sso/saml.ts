// SAML 2.0 service provider with @node-saml/node-saml: SP-initiated, AuthnRequest by the
// HTTP-Redirect binding, the response by HTTP-POST to the ACS. Signature (of the response
// or of its assertion) against the identity provider's certificates, audience, time
// conditions and InResponseTo (against the request stored for this sign-in) are checked
// by node-saml; the issuer is checked here (node-saml checks it only on logout messages).
import { generateServiceProviderMetadata, SAML, ValidateInResponseTo, type CacheProvider, type Profile } from '@node-saml/node-saml';
import type { SamlConnectorConfig } from '@postern/config';
import type { SsoRequest } from '@postern/store';
import { randomBytes } from 'node:crypto';
import type { AuthContext } from '../context';
import { AuthError } from '../errors';
import type { Claims } from './claims';
import { samlAcsUrl, samlEntityId } from './connectors';
import { MetadataError, parseIdpMetadata, type IdpMetadata } from './saml-metadata';
import { SSO_REQUEST_TTL_MS } from './requests';

const METADATA_TTL_MS = 3600_000;
const HTTP_TIMEOUT_MS = 10_000;
const CLOCK_SKEW_MS = 60_000;

interface CachedMetadata {
  key: string;
  at: number;
  metadata: Promise<IdpMetadata>;
}
const metadataCache = new WeakMap<AuthContext, Map<string, CachedMetadata>>();

async function fetchMetadata(c: SamlConnectorConfig, url: string): Promise<IdpMetadata> {
  let text: string;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS), redirect: 'follow' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    text = await res.text();
  } catch (err) {
    const e = err as { message?: string; cause?: { code?: string; message?: string } };
    throw new AuthError('unavailable', `cannot fetch the SAML metadata of connector ${c.name} at ${url}: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
  }
  try {
    return parseIdpMetadata(text);
  } catch (err) {
    throw new AuthError('unavailable', `the SAML metadata of connector ${c.name} at ${url} is not usable: ${(err as Error).message}`);
  }
}

/** The identity provider: from its metadata URL (cached for an hour), inline metadata, or sso_url + cert. */
export async function idpMetadata(ctx: AuthContext, c: SamlConnectorConfig): Promise<IdpMetadata> {
  if (c.sso_url && c.cert) return { entityId: c.idp_entity_id, ssoUrl: c.sso_url, certs: [c.cert] };
  if (c.metadata_xml) {
    try {
      return parseIdpMetadata(c.metadata_xml);
    } catch (err) {
      if (err instanceof MetadataError) throw new AuthError('unavailable', `the metadata_xml of connector ${c.name} is not usable: ${err.message}`);
      throw err;
    }
  }
  const url = c.metadata_url!;
  let cache = metadataCache.get(ctx);
  if (!cache) metadataCache.set(ctx, (cache = new Map()));
  const hit = cache.get(c.name);
  const now = Date.now();
  if (hit && hit.key === url && now - hit.at < METADATA_TTL_MS) return hit.metadata;
  const metadata = fetchMetadata(c, url).catch((err: unknown) => {
    cache.delete(c.name);
    throw err;
  });
  cache.set(c.name, { key: url, at: now, metadata });
  return metadata;
}

/** node-saml asks its cache whether an InResponseTo is one of ours: only this request's ID is. */
function oneRequestCache(request: Pick<SsoRequest, 'samlRequestId' | 'createdAt'> | undefined): CacheProvider {
  return {
    saveAsync: async (_key, value) => ({ value, createdAt: Date.now() }),
    getAsync: async (key) => (request?.samlRequestId && key === request.samlRequestId ? request.createdAt.toISOString() : null),
    // One-time use is the sso_requests row's used_at, set before the response is checked.
    removeAsync: async () => null,
  };
}

function samlClient(ctx: AuthContext, c: SamlConnectorConfig, idp: IdpMetadata, opts: { requestId?: string; request?: SsoRequest }): SAML {
  const entityId = samlEntityId(ctx, c);
  return new SAML({
    entryPoint: idp.ssoUrl,
    issuer: entityId,
    audience: entityId,
    callbackUrl: samlAcsUrl(ctx, c.name),
    idpCert: idp.certs,
    // Either the response or its assertion must carry a valid signature (node-saml checks
    // the assertion when the response is unsigned).
    wantAuthnResponseSigned: false,
    wantAssertionsSigned: false,
    validateInResponseTo: ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: SSO_REQUEST_TTL_MS,
    cacheProvider: oneRequestCache(opts.request),
    generateUniqueId: () => opts.requestId ?? `_${randomBytes(20).toString('hex')}`,
    // Leave the NameID format and the authentication method to the identity provider: a
    // fixed PasswordProtectedTransport would refuse people who sign in with a passkey or MFA.
    identifierFormat: null,
    disableRequestedAuthnContext: true,
    acceptedClockSkewMs: CLOCK_SKEW_MS,
    signatureAlgorithm: 'sha256',
  });
}

export interface SamlStart {
  url: string;
  requestId: string;
}

/** The identity provider's URL carrying a new AuthnRequest; RelayState is the request's state. */
export async function startSaml(ctx: AuthContext, c: SamlConnectorConfig, state: string): Promise<SamlStart> {
  const idp = await idpMetadata(ctx, c);
  // An xs:ID starts with a letter or underscore.
  const requestId = `_${randomBytes(20).toString('hex')}`;
  const url = await samlClient(ctx, c, idp, { requestId }).getAuthorizeUrlAsync(state, undefined, {});
  return { url, requestId };
}

function stringAttr(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first.length > 0 ? first : undefined;
}

export interface SamlIdentity {
  username: string | undefined;
  claims: Claims;
}

/** Checks the POSTed SAMLResponse against the request it must answer; the person's attributes. */
export async function finishSaml(ctx: AuthContext, c: SamlConnectorConfig, request: SsoRequest, samlResponse: string): Promise<SamlIdentity> {
  const idp = await idpMetadata(ctx, c);
  let profile: Profile | null;
  try {
    ({ profile } = await samlClient(ctx, c, idp, { request }).validatePostResponseAsync({ SAMLResponse: samlResponse }));
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    if ((err as Error).name === 'SamlStatusError' || /SAML provider returned/.test(message)) {
      throw new AuthError('forbidden', `the identity provider refused the sign-in: ${message.replace(/^SAML provider returned /, '')}`);
    }
    throw new AuthError('unauthenticated', `the SAML response could not be verified: ${message.slice(0, 300)}`);
  }
  if (!profile) throw new AuthError('unauthenticated', 'the SAML response carries no assertion');
  if (idp.entityId && profile.issuer && profile.issuer !== idp.entityId) {
    throw new AuthError('unauthenticated', `the SAML assertion comes from ${profile.issuer}, not from this connector's identity provider (${idp.entityId})`);
  }
  const attributes = (profile.attributes ?? {}) as Record<string, unknown>;
  const claims: Claims = { ...attributes, nameID: profile.nameID };
  const username = c.username_attribute ? stringAttr(attributes[c.username_attribute]) : profile.nameID || undefined;
  return { username, claims };
}

/** This service provider's metadata, for the identity provider's admin. */
export function samlSpMetadata(ctx: AuthContext, c: SamlConnectorConfig): string {
  return generateServiceProviderMetadata({
    issuer: samlEntityId(ctx, c),
    callbackUrl: samlAcsUrl(ctx, c.name),
    identifierFormat: null,
    // Asks identity providers to sign assertions; a signed response is accepted too.
    wantAssertionsSigned: true,
  });
}
