import type { z } from 'zod';

// Zod's own messages start with "Invalid input: " and keep the path apart; a person
// fixing a role file, a config or a request wants "spec.allow.db_names: expected array".

type Issue = z.core.$ZodIssue;

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/** A wrong-type failure of a whole union option ("not a string", "not an array"). */
function isTypeMismatch(option: readonly Issue[]): boolean {
  return option.length === 1 && option[0]?.code === 'invalid_type' && option[0].path.length === 0;
}

function collect(issues: readonly Issue[], prefix: readonly PropertyKey[], lines: string[]): void {
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.push(`${formatPath([...path, key])}: unknown key`);
      continue;
    }
    if (issue.code === 'invalid_union') {
      // When the value had the right shape for exactly one option (say, a list with a bad
      // item), that option's own complaint is the useful one.
      const relevant = issue.errors.filter((option) => !isTypeMismatch(option));
      const only = relevant.length === 1 ? relevant[0] : undefined;
      if (only) {
        collect(only, path, lines);
        continue;
      }
    }
    lines.push(`${formatPath(path)}: ${issue.message.replace(/^Invalid input: /, '')}`);
  }
}

/** One clause per problem, each naming the path of the offending key. */
export function formatIssues(issues: readonly Issue[]): string {
  const lines: string[] = [];
  collect(issues, [], lines);
  return lines.join('; ');
}
