import type { z } from 'zod';

// Turns zod issues into "db_query_parameters[0]: expected string" clauses. (A twin of
// @postern/rbac's formatter: the two packages stay independent of each other.)

type Issue = z.core.$ZodIssue;

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

export function formatIssues(issues: readonly Issue[]): string {
  return issues
    .map((issue) => `${formatPath(issue.path)}: ${issue.message.replace(/^Invalid input: /, '')}`)
    .join('; ');
}
