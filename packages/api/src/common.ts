import { z } from 'zod';

export const API_PREFIX = '/api/v1';

/** Largest JSON body the API reads; CSRs and role documents are far smaller. */
export const MAX_BODY_BYTES = 256 * 1024;

export const userName = z
  .string()
  .min(1, 'must not be empty')
  .max(64)
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9._@-]*$/, 'letters, digits, ".", "_", "@" and "-"; starts with a letter or digit');

export const roleName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lowercase letters, digits, ".", "_" and "-"');

/** A PEM block; the CA checks the contents, this only keeps obvious garbage and giants out. */
export const pem = z.string().min(1).max(16 * 1024, 'too large: a PEM CSR of an RSA key is under 4 KiB');

/** Durations as the CLI takes them: 30m, 8h, 1h30m, 2190h. */
export const duration = z.string().regex(/^(\d+h)?(\d+m)?(\d+s)?$/, 'a duration such as 30m, 8h or 1h30m').refine((s) => s.length > 0, 'must not be empty');

export const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
export type ErrorBody = z.infer<typeof errorBody>;

export const caBundle = z.object({
  user: z.array(z.string()),
  host: z.array(z.string()),
  db_client: z.array(z.string()),
});
export type CaBundle = z.infer<typeof caBundle>;
