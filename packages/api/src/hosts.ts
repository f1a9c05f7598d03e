import { z } from 'zod';
import { caBundle, pem } from './common';

export const joinRequest = z
  .object({
    token: z.string().min(1).max(256),
    csr: pem,
    hostname: z.string().min(1).max(253),
    role: z.enum(['agent', 'proxy']),
  })
  .strict();
export type JoinRequest = z.infer<typeof joinRequest>;

export const joinResponse = z.object({ host_id: z.string(), certificate: z.string(), expires: z.string(), ca: caBundle });
export type JoinResponse = z.infer<typeof joinResponse>;

export const heartbeatRequest = z
  .object({
    name: z.string().min(1).max(253),
    version: z.string().max(64).default(''),
    databases: z
      .array(
        z
          .object({
            name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/),
            protocol: z.enum(['postgres', 'mysql']),
            uri: z.string().max(300),
            labels: z.record(z.string().max(63), z.string().max(253)).default({}),
            server_version: z.string().max(200).default(''),
          })
          .strict(),
      )
      .max(1000),
  })
  .strict();
export type HeartbeatRequest = z.infer<typeof heartbeatRequest>;

export const auditEventsRequest = z.object({ events: z.array(z.record(z.string(), z.unknown())).min(1).max(5000) }).strict();
export type AuditEventsRequest = z.infer<typeof auditEventsRequest>;

export const dbClientCertRequest = z
  .object({ csr: pem, db_user: z.string().min(1).max(63), ttl: z.string().regex(/^(\d+h)?(\d+m)?$/).default('1h') })
  .strict();
export type DbClientCertRequest = z.infer<typeof dbClientCertRequest>;

/** An agent re-checks every session against the user's current roles and lock. */
export const accessLookupRequest = z.object({ user: z.string().min(1).max(64), roles: z.array(z.string().max(64)).max(100) }).strict();
export type AccessLookupRequest = z.infer<typeof accessLookupRequest>;
export const accessLookupResponse = z.object({ locked: z.boolean(), roles: z.array(z.record(z.string(), z.unknown())) });
export type AccessLookupResponse = z.infer<typeof accessLookupResponse>;
