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

/** The filter of an audit search or export; times are ISO 8601, `until` exclusive. */
const auditFilter = {
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  user: z.string().max(64).optional(),
  db: z.string().max(64).optional(),
  event: z.string().max(64).optional(),
  /** Text inside the SQL of queries: a case-insensitive substring (`ILIKE '%text%'`). */
  query: z.string().max(1000).optional(),
  /** One session's events, in the session's own order (ei) rather than by time. */
  sid: z.string().max(64).optional(),
};

/** Query string of GET /audit/events. */
export const auditSearchQuery = z
  .object({
    ...auditFilter,
    limit: z.coerce.number().int().min(1).max(5000).default(100),
    /** Opaque: the `next` of the previous page of the same search. */
    cursor: z.string().regex(/^[A-Za-z0-9_-]{1,200}$/, 'not a cursor from a previous page').optional(),
    /** desc: newest first (with sid: last event first); asc: oldest first. */
    order: z.enum(['asc', 'desc']).default('desc'),
  })
  .strict();
export type AuditSearchQuery = z.infer<typeof auditSearchQuery>;

/** Query string of GET /audit/export: the filter; every matching event, oldest first. */
export const auditExportQuery = z.object(auditFilter).strict();
export type AuditExportQuery = z.infer<typeof auditExportQuery>;

/** The whole session of a sid search, whatever the other filters. */
export const auditSessionSummary = z.object({
  sid: z.string(),
  /** Time of its first and last event (by ei). */
  start: z.string(),
  end: z.string(),
  duration_ms: z.number(),
  events: z.number().int(),
});
export type AuditSessionSummary = z.infer<typeof auditSessionSummary>;

export const auditSearchResponse = z.object({
  events: z.array(z.record(z.string(), z.unknown())),
  next: z.string().optional(),
  /** With a sid filter: the session's timing, for the session view. */
  session: auditSessionSummary.optional(),
});
export type AuditSearchResponse = z.infer<typeof auditSearchResponse>;
