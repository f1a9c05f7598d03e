import { RbacError } from './errors';

// Go-style durations, because role files are written by people who know Teleport's
// ('8h', '1h30m', '2190h'). Days are deliberately absent, as in Go: '90d' is refused
// with a hint rather than guessed at.
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;

/** Parses '8h', '30m', '45s', '1h30m', '2190h' (also 'ms' and decimals like '1.5h') into milliseconds. */
export function parseDuration(text: string): number {
  if (typeof text !== 'string' || !WHOLE.test(text)) {
    throw new RbacError(
      'duration_invalid',
      `invalid duration ${JSON.stringify(text)}: use a number with h, m, s or ms, e.g. 8h, 30m, 1h30m`,
    );
  }
  let total = 0;
  for (const match of text.matchAll(PART)) {
    const unit = UNIT_MS[match[2] ?? ''];
    if (unit === undefined) continue; // unreachable: WHOLE already admitted only known units
    total += Number(match[1]) * unit;
  }
  total = Math.round(total);
  if (!Number.isSafeInteger(total)) {
    throw new RbacError('duration_invalid', `invalid duration ${JSON.stringify(text)}: too large`);
  }
  return total;
}

/** True when parseDuration would accept the text; for schema refinements. */
export function isDuration(text: string): boolean {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}
