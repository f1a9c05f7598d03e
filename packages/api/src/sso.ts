import { z } from 'zod';
import { duration, pem } from './common';

// SSO: the browser endpoints (/sso/<name>/login, /callback, /acs, /metadata) answer with
// redirects and pages; these are the JSON ones, for `postern login --auth <connector>` and
// for the admin API of connectors.

/** PKCE's S256: base64url(sha256(verifier)), 43 characters. */
const codeChallenge = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'base64url of a SHA-256 digest (43 characters)');

/** POST /sso/<name>/cli: `postern login` starts a sign-in that ends on its loopback server. */
export const ssoCliStartRequest = z
  .object({
    csr: pem,
    ttl: duration.optional(),
    /** http://127.0.0.1:PORT/… (or [::1], localhost): where the browser brings the one-time code. */
    redirect_url: z.string().min(1).max(512),
    code_challenge: codeChallenge,
    code_challenge_method: z.literal('S256').default('S256'),
  })
  .strict();
export type SsoCliStartRequest = z.infer<typeof ssoCliStartRequest>;

export const ssoCliStartResponse = z.object({
  /** Open this in a browser: the identity provider's sign-in page. */
  auth_url: z.string(),
  /** The sign-in must be completed before this time. */
  expires: z.string(),
});
export type SsoCliStartResponse = z.infer<typeof ssoCliStartResponse>;

/** POST /sso/cli/exchange: the one-time code from the loopback redirect, and the verifier of its challenge. */
export const ssoCliExchangeRequest = z
  .object({
    code: z.string().min(8).max(200),
    code_verifier: z.string().regex(/^[A-Za-z0-9._~-]{43,128}$/, 'a PKCE code verifier (43 to 128 characters)'),
  })
  .strict();
export type SsoCliExchangeRequest = z.infer<typeof ssoCliExchangeRequest>;

/** A connector as the admin API shows it: never its client_secret, only whether one is set. */
export const connectorInfo = z.object({
  name: z.string(),
  type: z.enum(['oidc', 'saml']),
  display: z.string(),
  /** config: from postern.yaml (read-only here); store: added through the admin API. */
  source: z.enum(['config', 'store']),
  /** The connector's settings without client_secret, in the shape of postern.yaml. */
  spec: z.record(z.string(), z.unknown()),
  client_secret_set: z.boolean(),
  /** What the identity provider's admin needs: the redirect URI (OIDC), or the ACS and metadata URLs (SAML). */
  urls: z.record(z.string(), z.string()),
  updated: z.string().optional(),
  updated_by: z.string().optional(),
});
export type ConnectorInfo = z.infer<typeof connectorInfo>;
export const listConnectorsResponse = z.object({ connectors: z.array(connectorInfo) });

/**
 * PUT /admin/connectors/<name>: the connector as YAML (what the UI's editor sends) or as a
 * JSON object; validated by the same schema as auth.connectors in postern.yaml. Leaving
 * client_secret out keeps the stored one.
 */
export const putConnectorRequest = z.union([
  z.object({ yaml: z.string().min(1, 'must not be empty').max(64 * 1024) }).strict(),
  z.object({ connector: z.record(z.string(), z.unknown()) }).strict(),
]);
export type PutConnectorRequest = z.infer<typeof putConnectorRequest>;
