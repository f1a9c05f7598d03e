import { z } from 'zod';

// Fields every event carries. Objects are not strict: an Auth Service one version behind
// its agents must still store their events (minus fields it does not know) rather than
// refuse them and leave a hole in the audit log.

export const isoTime = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time' });
const text = z.string().min(1, { error: 'must not be empty' });

export const commonFields = {
  code: text,
  time: isoTime,
  uid: z.uuid({ error: 'expected a UUID' }),
  cluster_name: text,
  user: text.optional(),
  sid: text.optional(),
  /** Index of the event within its session, so a session replays in order. */
  ei: z.number().int().nonnegative().default(0),
  success: z.boolean().optional(),
  error: z.string().optional(),
};

export { text };
