import { z } from 'zod';

/** host:port, with an IPv6 host in brackets. */
const listenAddr = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:3000');

const databaseSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, - and _; starts with a letter or digit'),
    protocol: z.enum(['postgres', 'mysql']),
    uri: listenAddr,
    ca_cert_file: z.string().default(''),
    labels: z.record(z.string(), z.string()).default({}),
  })
  .strict();

const connectorSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/),
    type: z.enum(['oidc', 'saml']),
    display: z.string().optional(),
    issuer: z.string().optional(),
    metadata_url: z.string().optional(),
    client_id: z.string().optional(),
    client_secret: z.string().optional(),
    claims_to_roles: z
      .array(z.object({ claim: z.string(), value: z.string(), roles: z.array(z.string()).min(1) }).strict())
      .default([]),
  })
  .strict();

export const configSchema = z
  .object({
    cluster_name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$/).default('local'),
    data_dir: z.string().min(1).default('./.postern'),
    store: z.object({ url: z.string().default('') }).strict().prefault({}),
    auth: z
      .object({
        second_factor: z.enum(['off', 'otp', 'webauthn']).default('otp'),
        connectors: z.array(connectorSchema).default([]),
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
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type PosternConfig = z.infer<typeof configSchema>;
export type DatabaseConfig = z.infer<typeof databaseSchema>;
export type ConnectorConfig = z.infer<typeof connectorSchema>;
