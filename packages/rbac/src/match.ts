import type { Labels } from './schema';
import { expandValues, type Traits } from './templates';

export const WILDCARD = '*';

/** '*' matches any value; everything else matches exactly (database identifiers are case-sensitive). */
export function matchesAny(patterns: readonly string[], value: string): boolean {
  return patterns.some((p) => p === WILDCARD || p === value);
}

function asList(value: string | readonly string[]): readonly string[] {
  return typeof value === 'string' ? [value] : value;
}

export function hasSelector(selector: Labels | undefined): selector is Labels {
  return selector !== undefined && Object.keys(selector).length > 0;
}

/**
 * Whether a label selector matches a database's labels: every key of the selector must be
 * present with one of the listed values. '*': '*' matches every database. An empty
 * selector matches nothing, so a role that forgets db_labels grants no database.
 */
export function labelsMatch(
  selector: Labels | undefined,
  labels: Readonly<Record<string, string>>,
  traits: Traits,
): boolean {
  if (!hasSelector(selector)) return false;
  for (const [key, raw] of Object.entries(selector)) {
    const values = expandValues(asList(raw), traits);
    if (key === WILDCARD) {
      // The schema only admits '*': '*' for the wildcard key.
      if (!values.includes(WILDCARD)) return false;
      continue;
    }
    if (!Object.hasOwn(labels, key)) return false;
    const actual = labels[key];
    if (actual === undefined || !matchesAny(values, actual)) return false;
  }
  return true;
}
