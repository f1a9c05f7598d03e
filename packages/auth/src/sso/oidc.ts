// OIDC sign-in with openid-client (authorization code + PKCE + state + nonce).
//
// Why not next-auth: Postern's sessions live in its own store (revocable, capped by the
// roles' max_session_ttl, shared by every replica and by the CLI), and the same flow must
// also end on `postern login`'s loopback server with a certificate for its CSR. next-auth
// would bring a second session model and cookie, and has no notion of the CLI leg. The
// protocol work itself is openid-client's; the rest is a few store rows.
import * as client from 'openid-client';
import type { OidcConnectorConfig } from '@postern/config';
import type { SsoRequest } from '@postern/store';
import type { AuthContext } from '../context';
import { AuthError } from '../errors';
import type { Claims } from './claims';
import { oidcRedirectUrl } from './connectors';

const DISCOVERY_TTL_MS = 3600_000;
const HTTP_TIMEOUT_S = 10;

interface Discovered {
  key: string;
  at: number;
  config: Promise<client.Configuration>;
}

/** Discovery documents per Auth Service, refreshed hourly and whenever a connector's settings change. */
const discoveries = new WeakMap<AuthContext, Map<string, Discovered>>();

function reasonOf(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string; code?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return `${e.message ?? String(err)}${cause && !String(e.message).includes(cause) ? ` (${cause})` : ''}`;
}

async function configurationFor(ctx: AuthContext, c: OidcConnectorConfig): Promise<client.Configuration> {
  let cache = discoveries.get(ctx);
  if (!cache) discoveries.set(ctx, (cache = new Map()));
  const key = JSON.stringify([c.issuer, c.client_id, c.client_secret ?? '', c.allow_insecure_http]);
  const now = Date.now();
  const hit = cache.get(c.name);
  if (hit && hit.key === key && now - hit.at < DISCOVERY_TTL_MS) return hit.config;
  const config = client
    .discovery(
      new URL(c.issuer),
      c.client_id,
      c.client_secret ? { client_secret: c.client_secret } : undefined,
      // client_secret_basic is what OAuth 2.0 servers assume when a client says nothing.
      c.client_secret ? client.ClientSecretBasic(c.client_secret) : client.None(),
      { execute: c.allow_insecure_http ? [client.allowInsecureRequests] : [], timeout: HTTP_TIMEOUT_S },
    )
    .catch((err: unknown) => {
      cache.delete(c.name);
      throw new AuthError('unavailable', `cannot read the OpenID configuration of connector ${c.name} at ${c.issuer}: ${reasonOf(err)}`);
    });
  cache.set(c.name, { key, at: now, config });
  return config;
}

export interface OidcStart {
  url: string;
  nonce: string;
  codeVerifier: string;
}

/** The identity provider's authorization URL for a new request with this state. */
export async function startOidc(ctx: AuthContext, c: OidcConnectorConfig, state: string): Promise<OidcStart> {
  const config = await configurationFor(ctx, c);
  const codeVerifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: oidcRedirectUrl(ctx, c.name),
    response_type: 'code',
    scope: c.scopes.join(' '),
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  });
  return { url: url.href, nonce, codeVerifier };
}

/** Who the identity provider says signed in: the ID token's claims plus userinfo's. */
export async function finishOidc(ctx: AuthContext, c: OidcConnectorConfig, request: SsoRequest, query: URLSearchParams): Promise<Claims> {
  const error = query.get('error');
  if (error) {
    const description = query.get('error_description');
    throw new AuthError('forbidden', `the identity provider refused the sign-in: ${error.slice(0, 100)}${description ? ` (${description.slice(0, 300)})` : ''}`);
  }
  if (!request.nonce || !request.codeVerifier) throw new AuthError('bad_request', 'this sign-in request is not an OIDC one: start the sign-in again');
  const config = await configurationFor(ctx, c);
  // The URL the identity provider redirected to, as it knows it (the public one), not the
  // web app's loopback address behind the proxy: openid-client derives redirect_uri from it.
  const current = new URL(oidcRedirectUrl(ctx, c.name));
  current.search = query.toString();
  let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
  try {
    tokens = await client.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: query.get('state') ?? '',
      expectedNonce: request.nonce,
      idTokenExpected: true,
    });
  } catch (err) {
    if (err instanceof client.ResponseBodyError || err instanceof client.AuthorizationResponseError) {
      throw new AuthError('forbidden', `the identity provider refused the sign-in: ${err.error}${err.error_description ? ` (${err.error_description.slice(0, 300)})` : ''}`);
    }
    throw new AuthError('unauthenticated', `the identity provider's answer could not be verified: ${reasonOf(err)}`);
  }
  const idClaims = tokens.claims();
  if (!idClaims) throw new AuthError('unauthenticated', 'the identity provider sent no ID token');
  let userinfo: Claims = {};
  if (config.serverMetadata().userinfo_endpoint) {
    try {
      userinfo = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
    } catch (err) {
      // The ID token alone may carry every claim needed (oidc-provider, Azure AD): go on.
      ctx.log.warn({ connector: c.name, err: reasonOf(err) }, 'userinfo request failed; using the ID token claims only');
    }
  }
  // The ID token was verified (signature, issuer, audience, nonce); userinfo only adds.
  return { ...userinfo, ...idClaims };
}
