import { z } from 'zod';

export const databaseInfo = z.object({
  name: z.string(),
  protocol: z.enum(['postgres', 'mysql']),
  labels: z.record(z.string(), z.string()),
  /** online while an agent serving it has sent a heartbeat recently. */
  status: z.enum(['online', 'offline']),
  agents: z.number().int(),
  server_version: z.string(),
  db_users: z.array(z.string()),
  db_names: z.array(z.string()),
});
export type DatabaseInfo = z.infer<typeof databaseInfo>;

export const listDatabasesResponse = z.object({ databases: z.array(databaseInfo) });
export type ListDatabasesResponse = z.infer<typeof listDatabasesResponse>;

/** Query string of GET /audit/events; times are ISO 8601. */
export const auditSearchQuery = z
  .object({
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    user: z.string().max(64).optional(),
    db: z.string().max(64).optional(),
    event: z.string().max(64).optional(),
    query: z.string().max(1000).optional(),
    /** One session's events; with order=asc they come in the session's own order (ei). */
    sid: z.string().max(64).optional(),
    limit: z.coerce.number().int().min(1).max(5000).default(100),
    /** Opaque: the `next` of the previous page. */
    cursor: z.string().regex(/^\d+$/).optional(),
    order: z.enum(['asc', 'desc']).default('desc'),
  })
  .strict();
export type AuditSearchQuery = z.infer<typeof auditSearchQuery>;

export const auditSearchResponse = z.object({
  events: z.array(z.record(z.string(), z.unknown())),
  next: z.string().optional(),
});
export type AuditSearchResponse = z.infer<typeof auditSearchResponse>;
