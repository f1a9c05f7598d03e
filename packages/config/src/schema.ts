import { z } from 'zod';

/** host:port, with an IPv6 host in brackets. */
const listenAddr = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:3000');

/**
 * PostgreSQL only, off by default: a session's database connection, reset with DISCARD ALL
 * when the client leaves cleanly, serves the next session with the same db user, database
 * and startup settings (as PgBouncer's session mode does), sparing the database a backend
 * start and the agent a TLS handshake per connection. Off because the database then sees
 * one backend (pid, backend_start) serve several Postern sessions one after another.
 */
const reuseConnectionsSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** Idle connections kept per db user, database and startup settings. */
    max_idle: z.number().int().min(1).max(1_000).default(8),
    /** An idle connection is closed after this long unused. */
    idle_timeout_seconds: z.number().int().min(1).max(86_400).default(60),
    /** A connection is not reused once this old (its certificate was checked only when it opened). */
    max_lifetime_seconds: z.number().int().min(1).max(86_400).default(3_600),
  })
  .strict();

/** reuse_connections as a database without the key has it. */
export const REUSE_CONNECTIONS_OFF: z.infer<typeof reuseConnectionsSchema> = reuseConnectionsSchema.parse({});

const databaseSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, - and _; starts with a letter or digit'),
    protocol: z.enum(['postgres', 'mysql']),
    uri: listenAddr,
    ca_cert_file: z.string().default(''),
    labels: z.record(z.string(), z.string()).default({}),
    // `true` is short for `{ enabled: true }` with the defaults.
    reuse_connections: z
      .preprocess((v) => (typeof v === 'boolean' ? { enabled: v } : v), reuseConnectionsSchema)
      .prefault({}),
  })
  .strict()
  .refine((d) => !(d.protocol === 'mysql' && d.reuse_connections.enabled), {
    path: ['reuse_connections'],
    error: 'reuse_connections is for postgres databases; a MySQL session always gets a connection of its own',
  });

const connectorName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, - and _; starts with a letter or digit')
  // /api/v1/sso/cli/… is the CLI's code exchange, and --auth local means a password.
  .refine((n) => n !== 'cli' && n !== 'local', { error: '"cli" and "local" are reserved; pick another name' });

/** Lets an http:// identity provider through (a test IdP on loopback); https otherwise. */
const insecureHttp = z.boolean().default(false);

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL, e.g. https://idp.example.com' });

/**
 * `claim` names an ID-token/userinfo claim (OIDC) or an assertion attribute (SAML); a
 * dotted path reaches into objects (realm_access.roles). When the claim is, or contains,
 * `value` (`*` matches any characters), the user gets `roles`.
 */
const claimMapping = z
  .object({
    claim: z.string().min(1, 'must not be empty'),
    value: z.string().min(1, 'must not be empty (use "*" for any value)'),
    roles: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'a role name: lowercase letters, digits, ".", "_" and "-"'))
      .min(1, 'name at least one role'),
  })
  .strict();

const connectorCommon = {
  name: connectorName,
  /** The sign-in button says "Sign in with <display>". */
  display: z.string().min(1).max(64).optional(),
  claims_to_roles: z.array(claimMapping).default([]),
  allow_insecure_http: insecureHttp,
};

const oidcConnectorSchema = z
  .object({
    type: z.literal('oidc'),
    ...connectorCommon,
    /** The OpenID Provider's issuer; its /.well-known/openid-configuration is fetched. */
    issuer: httpUrl,
    client_id: z.string().min(1, 'must not be empty'),
    /** Empty for a public client (PKCE alone). Never shown by the API or the UI. */
    client_secret: z.string().min(1, 'must not be empty (leave the key out for a public client)').optional(),
    scopes: z.array(z.string().min(1)).default(['openid', 'email', 'profile']),
    /** The claim that becomes the Postern user name. */
    username_claim: z.string().min(1).default('email'),
  })
  .strict();

const samlConnectorSchema = z
  .object({
    type: z.literal('saml'),
    ...connectorCommon,
    /** The identity provider's metadata: a URL, the XML itself, or sso_url + cert. */
    metadata_url: httpUrl.optional(),
    metadata_xml: z.string().min(1).optional(),
    sso_url: httpUrl.optional(),
    /** PEM certificate(s) the identity provider signs with. */
    cert: z.string().includes('-----BEGIN CERTIFICATE-----', { error: 'expected a PEM certificate' }).optional(),
    /** The identity provider's entity ID; with sso_url + cert, checked as the Issuer when set. */
    idp_entity_id: z.string().min(1).optional(),
    /** This service provider's entity ID; default: its metadata URL. */
    entity_id: z.string().min(1).optional(),
    /** The attribute that becomes the Postern user name; default: the NameID. */
    username_attribute: z.string().min(1).optional(),
  })
  .strict();

export const connectorSchema = z
  .discriminatedUnion('type', [oidcConnectorSchema, samlConnectorSchema], {
    error: (issue) => (issue.code === 'invalid_union' ? 'expected "oidc" or "saml"' : undefined),
  })
  .superRefine((c, ctx) => {
    const plainHttp = (field: string, value: string | undefined) => {
      if (value?.startsWith('http://') && !c.allow_insecure_http) {
        ctx.addIssue({ code: 'custom', path: [field], message: 'must be https (set allow_insecure_http: true only for a test identity provider)' });
      }
    };
    if (c.type === 'oidc') {
      plainHttp('issuer', c.issuer);
      if (!c.scopes.includes('openid')) ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'must include "openid"' });
      return;
    }
    plainHttp('metadata_url', c.metadata_url);
    plainHttp('sso_url', c.sso_url);
    const sources = [c.metadata_url && 'metadata_url', c.metadata_xml && 'metadata_xml', (c.sso_url || c.cert) && 'sso_url + cert'].filter(Boolean);
    if (sources.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message:
          sources.length === 0
            ? "set the identity provider's metadata_url, or metadata_xml, or sso_url and cert"
            : `set only one of metadata_url, metadata_xml, or sso_url + cert (got ${sources.join(', ')})`,
      });
    } else if ((c.sso_url || c.cert) && !(c.sso_url && c.cert)) {
      ctx.addIssue({ code: 'custom', path: [c.sso_url ? 'cert' : 'sso_url'], message: 'sso_url and cert go together' });
    }
  });

export const configSchema = z
  .object({
    cluster_name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$/).default('local'),
    data_dir: z.string().min(1).default('./.postern'),
    store: z.object({ url: z.string().default('') }).strict().prefault({}),
    auth: z
      .object({
        second_factor: z.enum(['off', 'otp', 'webauthn']).default('otp'),
        connectors: z
          .array(connectorSchema)
          .default([])
          .superRefine((list, ctx) => {
            const seen = new Set<string>();
            list.forEach((c, i) => {
              if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `connector ${c.name} is listed twice` });
              seen.add(c.name);
            });
          }),
      })
      .strict()
      .prefault({}),
    web: z
      .object({
        enabled: z.boolean().default(true),
        listen: listenAddr.default('127.0.0.1:3000'),
        // Where people reach the web UI; printed in sign-up links. Empty: derived from the
        // proxy's public_addr when the proxy runs, else from web.listen.
        public_url: z.string().default(''),
      })
      .strict()
      .prefault({}),
    proxy: z
      .object({
        enabled: z.boolean().default(true),
        listen: listenAddr.default('0.0.0.0:3080'),
        mysql_listen: listenAddr.default('0.0.0.0:3036'),
        public_addr: listenAddr.default('localhost:3080'),
      })
      .strict()
      .prefault({}),
    /**
     * The operator's port (plain HTTP): GET /metrics in Prometheus' text format and GET
     * /healthz, for whatever this process runs. Empty (the default): not served.
     */
    metrics: z
      .object({ listen: z.union([z.literal(''), listenAddr]).default('') })
      .strict()
      .prefault({}),
    agent: z
      .object({
        enabled: z.boolean().default(true),
        proxy_addr: listenAddr.default('localhost:3080'),
        join_token: z.string().default(''),
        /** sha256 of the Host CA certificate (as `postern start` prints it), checked when joining. */
        ca_pin: z.string().default(''),
        /** How the agent shows in the admin UI; default: its host id. */
        name: z.string().default(''),
        databases: z.array(databaseSchema).default([]),
        /**
         * Whether `postern start` runs the quickstart's demo PostgreSQL (database `demo`)
         * next to the databases above, served by the agent of the same process. Left out,
         * loadConfig decides: true without a config file (the embedded default), false with one.
         */
        demo_database: z
          .boolean({ error: (issue) => `expected true or false (whether postern start runs the quickstart's demo PostgreSQL), got ${JSON.stringify(issue.input)}` })
          .optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type PosternConfig = z.infer<typeof configSchema>;
export type DatabaseConfig = z.infer<typeof databaseSchema>;
export type ReuseConnectionsConfig = z.infer<typeof reuseConnectionsSchema>;
export type ConnectorConfig = z.infer<typeof connectorSchema>;
export type OidcConnectorConfig = Extract<ConnectorConfig, { type: 'oidc' }>;
export type SamlConnectorConfig = Extract<ConnectorConfig, { type: 'saml' }>;
