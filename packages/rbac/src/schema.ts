import { z } from 'zod';
import { isDuration, parseDuration } from './duration';
import { templateProblem } from './templates';

// The role document of INTERFACE.md ("Role"). Objects are strict: a misspelt key such as
// `db_user` must be refused, not silently ignored, or an admin would believe a restriction
// is in force when it is not.

const ROLE_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** A value in db_names, db_users or db_labels: a literal, '*', or a trait template. */
const roleValue = z
  .string()
  .min(1, { error: 'must not be empty' })
  .superRefine((value, ctx) => {
    const problem = templateProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const labelValue = z.union([roleValue, z.array(roleValue)], {
  error: 'expected a string or a list of strings',
});

export const labelsSchema = z
  .record(z.string().min(1, { error: 'label key must not be empty' }), labelValue)
  .superRefine((labels, ctx) => {
    const wildcard = labels['*'];
    if (wildcard === undefined) return;
    const values = typeof wildcard === 'string' ? [wildcard] : wildcard;
    // Teleport refuses '*': 'prod' too: "any key with value prod" is not a selector it supports.
    if (values.length !== 1 || values[0] !== '*') {
      ctx.addIssue({ code: 'custom', path: ['*'], message: "the wildcard key '*' only accepts the value '*'" });
    }
  });

const nonEmpty = z.string().min(1, { error: 'must not be empty' });

export const ruleSchema = z.strictObject({
  resources: z.array(nonEmpty).min(1, { error: 'list at least one resource (or "*")' }),
  verbs: z.array(nonEmpty).min(1, { error: 'list at least one verb (or "*")' }),
});

export const conditionsSchema = z.strictObject({
  db_labels: labelsSchema.optional(),
  db_names: z.array(roleValue).optional(),
  db_users: z.array(roleValue).optional(),
  rules: z.array(ruleSchema).optional(),
});

const durationValue = z.string().superRefine((text, ctx) => {
  if (!isDuration(text)) {
    ctx.addIssue({ code: 'custom', message: `invalid duration ${JSON.stringify(text)}: use e.g. 8h, 30m, 1h30m` });
  } else if (parseDuration(text) <= 0) {
    ctx.addIssue({ code: 'custom', message: 'must be longer than zero' });
  }
});

export const optionsSchema = z.strictObject({
  max_session_ttl: durationValue.optional(),
  /** Browser console: stop sending a statement's rows after this many. */
  console_max_rows: z.number({ error: 'expected a whole number of rows' }).int({ error: 'expected a whole number of rows' }).positive({ error: 'must be at least 1' }).optional(),
  /** Browser console: the database cancels a statement that runs longer. */
  console_max_statement_duration: durationValue.optional(),
  /** Browser console: every statement runs in a read-only transaction, enforced by the database. */
  console_read_only: z.boolean({ error: 'expected true or false' }).optional(),
});

export const roleSchema = z.strictObject({
  kind: z.literal('role'),
  version: z.literal('v1').optional(),
  metadata: z.strictObject({
    name: z.string().regex(ROLE_NAME, {
      error: 'must be 1 to 63 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit',
    }),
    description: z.string().optional(),
  }),
  spec: z.strictObject({
    allow: conditionsSchema.optional(),
    deny: conditionsSchema.optional(),
    options: optionsSchema.optional(),
  }),
});

export type Role = z.infer<typeof roleSchema>;
export type Conditions = z.infer<typeof conditionsSchema>;
export type Labels = z.infer<typeof labelsSchema>;
export type Rule = z.infer<typeof ruleSchema>;
