import { z } from 'zod';

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
