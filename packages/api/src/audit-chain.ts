import { z } from 'zod';
import { errorBody } from './common';

/** Query string of GET /audit/verify. */
export const auditVerifyQuery = z
  .object({
    /** A head hash written down earlier: the answer says whether the chain still contains it. */
    anchor: z
      .string()
      .regex(/^[0-9a-f]{64}$/i, 'an anchor is the 64-hex-digit head hash of an earlier verify')
      .transform((s) => s.toLowerCase())
      .optional(),
  })
  .strict();
export type AuditVerifyQuery = z.infer<typeof auditVerifyQuery>;

/**
 * The query string as the route reads it: `progress=1` asks for the streamed form (JSON
 * lines, `auditVerifyStreamLine`); without it the answer is the one `auditVerifyResponse`.
 */
export const auditVerifyRouteQuery = auditVerifyQuery.extend({
  progress: z
    .enum(['0', '1'], { message: 'progress is 1 (JSON lines of progress, then the result) or 0' })
    .optional()
    .transform((v) => v === '1'),
});
export type AuditVerifyRouteQuery = z.infer<typeof auditVerifyRouteQuery>;

/**
 * What broke, first in chain order:
 * - event_changed: an event of the batch is not as stored (its digest differs);
 * - event_deleted: the batch has fewer events than were stored;
 * - event_added: an event lies in the batch's id range, or outside every batch, that was
 *   never stored through the chain;
 * - link_changed: the batch's own chain entry was altered (its hash does not recompute);
 * - link_broken: the entry does not follow the one before (an entry was removed or inserted);
 * - anchor_missing: the chain is consistent but does not contain the anchor given.
 */
export const auditChainProblemKind = z.enum(['event_changed', 'event_deleted', 'event_added', 'link_changed', 'link_broken', 'anchor_missing']);
export type AuditChainProblemKind = z.infer<typeof auditChainProblemKind>;

export const auditChainProblem = z.object({
  kind: auditChainProblemKind,
  /** Says what mismatched and what to do, in words a person can act on. */
  message: z.string(),
  /** The batch (chain entry) where it shows; absent for an event after the last batch. */
  seq: z.number().int().optional(),
  /** The batch's audit_events id range and its number of events as written. */
  first_id: z.string().optional(),
  last_id: z.string().optional(),
  events_stored: z.number().int().optional(),
  /** How many events the range holds now. */
  events_found: z.number().int().optional(),
  /** Earliest and latest `time` of the events the range holds now. */
  first_time: z.string().optional(),
  last_time: z.string().optional(),
  /** When the batch was written. */
  written_at: z.string().optional(),
  /** For event_added outside every batch: the first such event. */
  event_id: z.string().optional(),
  event_uid: z.string().optional(),
  event_time: z.string().optional(),
});
export type AuditChainProblem = z.infer<typeof auditChainProblem>;

export const auditVerifyResponse = z.object({
  intact: z.boolean(),
  /** Events and batches checked (up to the problem, when there is one). */
  events: z.number().int(),
  batches: z.number().int(),
  /** Earliest and latest event time among the events checked. */
  first_event_time: z.string().optional(),
  last_event_time: z.string().optional(),
  /** The last batch checked: its hash is the head to write down as an external anchor. */
  head: z
    .object({
      seq: z.number().int(),
      hash: z.string(),
      last_id: z.string(),
      written_at: z.string(),
    })
    .optional(),
  /** With ?anchor=: where the chain contains it. */
  anchor: z.object({ hash: z.string(), found: z.boolean(), seq: z.number().int().optional() }).optional(),
  problem: auditChainProblem.optional(),
});
export type AuditVerifyResponse = z.infer<typeof auditVerifyResponse>;

/**
 * How far a streamed verification got. The totals are read from the chain before it starts:
 * batches written while it runs are checked too, so the counts may pass them.
 */
export const auditVerifyProgress = z.object({
  /** Batches (chain entries) and the events they cover, checked so far. */
  batches: z.number().int(),
  events: z.number().int(),
  /** Batches and events in the chain when the verification started. */
  total_batches: z.number().int(),
  total_events: z.number().int(),
});
export type AuditVerifyProgress = z.infer<typeof auditVerifyProgress>;

/**
 * One line of GET /audit/verify?progress=1 (application/x-ndjson): zero or more progress
 * lines, then exactly one `result` (the same object as the answer without progress=1) or
 * one `error` when the check failed midway. A stream without either was cut off.
 */
export const auditVerifyStreamLine = z.union([
  z.object({ progress: auditVerifyProgress }).strict(),
  z.object({ result: auditVerifyResponse }).strict(),
  errorBody.strict(),
]);
export type AuditVerifyStreamLine = z.infer<typeof auditVerifyStreamLine>;
