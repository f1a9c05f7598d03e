import { z } from 'zod';
import { commonFields, isoTime, text } from './common';

export const roleCreated = z.object({
  event: z.literal('role.created'),
  ...commonFields,
  name: text,
});

export const roleDeleted = z.object({
  event: z.literal('role.deleted'),
  ...commonFields,
  name: text,
});

/** The token itself is a secret and never appears in the log. */
export const joinTokenCreate = z.object({
  event: z.literal('join_token.create'),
  ...commonFields,
  token_type: text,
  expires: isoTime,
});

export const instanceJoin = z.object({
  event: z.literal('instance.join'),
  ...commonFields,
  /** What joined: 'agent', 'proxy', 'web'. */
  role: text,
  method: text.default('token'),
  host_id: text.optional(),
  node_name: text.optional(),
  addr: text.optional(),
});

/** An admin removed an agent and the databases it had registered, and revoked its host id. */
export const agentDelete = z.object({
  event: z.literal('agent.delete'),
  ...commonFields,
  host_id: text,
  /** The agent's name as it last registered. */
  name: text,
  /** The databases it had registered, removed with it. */
  databases: z.array(text).default([]),
  /** The host id is locked out for good (every removal since revocation exists; false in older events). */
  revoked: z.boolean().default(false),
  /** The agent was online and the admin removed it anyway (--force). */
  forced: z.boolean().default(false),
});

const route = z.object({
  service: text,
  protocol: text,
  username: text,
  /** Absent when the certificate leaves the database name to the client (MySQL). */
  database: text.optional(),
});

export const certCreate = z.object({
  event: z.literal('cert.create'),
  ...commonFields,
  cert_type: z.enum(['user', 'db', 'host', 'db_client', 'db_server']),
  identity: z.object({
    user: text,
    roles: z.array(text),
    route: route.optional(),
  }),
  expires: isoTime,
});
