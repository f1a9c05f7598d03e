// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- oidc-provider ships no types; every program that compiles this file (the CLI's tests too) needs the declaration
/// <reference path="./oidc-provider-types.d.ts" />
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OidcKoaContext } from 'oidc-provider';
import { registerCleanup } from './cleanup-registry';

export interface OidcTestUser {
  /** What goes in the provider's login form (its "login" field) and the `sub` claim. */
  login: string;
  email: string;
  name?: string;
  preferred_username?: string;
  groups?: string[];
  /** More claims, released with the openid scope. */
  extra?: Record<string, unknown>;
}

export interface OidcTestClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
}

export interface StartOidcProviderOptions {
  users: OidcTestUser[];
  clients: OidcTestClient[];
}

export interface TestOidcProvider {
  /** The issuer, http://127.0.0.1:PORT */
  issuer: string;
  /** Selectors of the provider's development login form, for a browser driving it. */
  loginForm: { login: string; password: string; submit: string; cancel: string };
  stop(): Promise<void>;
}

/**
 * A real OpenID Provider (npm oidc-provider) on a free loopback port: authorization code
 * flow with PKCE, its development login form (any password is accepted for a known
 * login), consent granted automatically, and email, profile and groups claims in the ID
 * token (conformIdTokenClaims: false) as well as from userinfo.
 */
export async function startOidcProvider(opts: StartOidcProviderOptions): Promise<TestOidcProvider> {
  // Loaded on demand: importing @postern/testing must not load (nor warn about) it.
  const { default: Provider } = await import('oidc-provider');
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const users = new Map(opts.users.map((u) => [u.login, u]));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-signing', use: 'sig', alg: 'RS256' };

  const provider = new Provider(issuer, {
    clients: opts.clients.map((c) => ({
      client_id: c.client_id,
      ...(c.client_secret ? { client_secret: c.client_secret } : { token_endpoint_auth_method: 'none' }),
      redirect_uris: c.redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: {
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    conformIdTokenClaims: false,
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx: unknown, id: string) {
      const user = users.get(id);
      if (!user) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          email: user.email,
          email_verified: true,
          name: user.name ?? id,
          preferred_username: user.preferred_username ?? id,
          groups: user.groups ?? [],
          ...user.extra,
        }),
      };
    },
    // Consent is not what the tests are about: grant whatever was asked.
    async loadExistingGrant(ctx: OidcKoaContext) {
      const { oidc } = ctx;
      const clientId = oidc.client?.clientId;
      const grantId = oidc.result?.consent?.grantId ?? (clientId ? oidc.session?.grantIdFor(clientId) : undefined);
      if (grantId) return oidc.provider.Grant.find(grantId);
      const accountId = oidc.session?.accountId;
      if (!clientId || !accountId) return undefined;
      const grant = new oidc.provider.Grant({ clientId, accountId });
      grant.addOIDCScope(String(oidc.params?.scope ?? 'openid'));
      await grant.save();
      return grant;
    },
  });
  provider.on('server_error', (_ctx: unknown, err: unknown) => console.error('test OIDC provider error:', err));
  server.on('request', provider.callback());

  const stopSync = () => server.closeAllConnections();
  const unregister = registerCleanup(stopSync);
  return {
    issuer,
    // Cancel answers the client with error=access_denied.
    loginForm: { login: 'input[name="login"]', password: 'input[name="password"]', submit: 'button[type="submit"]', cancel: 'text=[ Cancel ]' },
    async stop() {
      unregister();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
