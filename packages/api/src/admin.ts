import { z } from 'zod';
import { caBundle, duration, pem, roleName, userName } from './common';

export const userInfo = z.object({
  name: z.string(),
  roles: z.array(z.string()),
  traits: z.record(z.string(), z.array(z.string())),
  locked: z.boolean(),
  /** false until the sign-up link was used (always true for SSO users). */
  active: z.boolean(),
  /** The SSO connector the user signs in through; absent for local users. */
  connector: z.string().optional(),
  created: z.string(),
});
export type UserInfo = z.infer<typeof userInfo>;

export const addUserRequest = z
  .object({
    name: userName,
    roles: z.array(roleName).min(1, 'give the user at least one role'),
    traits: z.record(z.string().max(63), z.array(z.string().max(253)).max(100)).default({}),
    ttl: duration.optional(),
  })
  .strict();
export type AddUserRequest = z.infer<typeof addUserRequest>;

export const addUserResponse = z.object({ user: userInfo, signup_url: z.string(), expires: z.string() });
export type AddUserResponse = z.infer<typeof addUserResponse>;

export const listUsersResponse = z.object({ users: z.array(userInfo) });

export const signUserRequest = z.object({ csr: pem, ttl: duration.optional() }).strict();
export const signUserResponse = z.object({
  user: z.string(),
  roles: z.array(z.string()),
  certificate: z.string(),
  session_token: z.string(),
  expires: z.string(),
  ca: caBundle,
  cluster_name: z.string(),
});
export type SignUserResponse = z.infer<typeof signUserResponse>;

export const roleInfo = z.object({ name: z.string(), builtin: z.boolean(), role: z.record(z.string(), z.unknown()) });
export type RoleInfo = z.infer<typeof roleInfo>;
export const listRolesResponse = z.object({ roles: z.array(roleInfo) });
/**
 * The role document itself is validated by @postern/rbac's schema, which names bad keys. The
 * CLI sends it parsed; the web editor sends the YAML text, so that syntax errors come back
 * from the same parser with a line and column.
 */
export const applyRoleRequest = z.union([z.object({ role: z.unknown() }).strict(), z.object({ yaml: z.string().max(64 * 1024) }).strict()]);

export const addTokenRequest = z.object({ type: z.enum(['agent', 'proxy']), ttl: duration.default('1h') }).strict();
export const addTokenResponse = z.object({
  token: z.string(),
  type: z.string(),
  expires: z.string(),
  /** sha256 of the Host CA certificate: the joining host's agent.ca_pin, so it cannot be fooled by a rogue proxy. */
  ca_pin: z.string(),
});
export type AddTokenResponse = z.infer<typeof addTokenResponse>;

/** A join token as the admin UI lists it; the token itself is only ever shown once, at creation. */
export const joinTokenInfo = z.object({
  id: z.string(),
  type: z.string(),
  expires: z.string(),
  used: z.boolean(),
  created_by: z.string(),
  created: z.string(),
});
export type JoinTokenInfo = z.infer<typeof joinTokenInfo>;
export const listTokensResponse = z.object({ tokens: z.array(joinTokenInfo) });

export const agentDatabase = z.object({
  name: z.string(),
  protocol: z.string(),
  uri: z.string(),
  labels: z.record(z.string(), z.string()),
  server_version: z.string(),
});
export const agentInfo = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string(),
  last_heartbeat: z.string().nullable(),
  /** online while its last heartbeat is younger than the offline threshold. */
  status: z.enum(['online', 'offline']),
  databases: z.array(agentDatabase),
});
export type AgentInfo = z.infer<typeof agentInfo>;
export const listAgentsResponse = z.object({ agents: z.array(agentInfo) });
/** DELETE /admin/agents/ID?force=true: an online agent is removed only with force. */
export const removeAgentQuery = z
  .object({ force: z.enum(['true', 'false'], { message: 'force is true or false' }).default('false').transform((v) => v === 'true') })
  .strict();
export type RemoveAgentQuery = z.infer<typeof removeAgentQuery>;

export const dbSignRequest = z
  .object({
    csr: pem,
    hosts: z.array(z.string().min(1).max(253)).min(1, 'name at least one host').max(50),
    ttl: duration.default('2190h'),
  })
  .strict();
export const dbSignResponse = z.object({ certificate: z.string(), expires: z.string(), ca: caBundle });
export type DbSignResponse = z.infer<typeof dbSignResponse>;
