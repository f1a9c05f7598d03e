// Role values may name the user's traits instead of fixed values, as in Teleport:
// '{{internal.db_users}}' expands to the db users an admin set on the user,
// '{{external.team}}' to a claim the SSO provider sent. One template per value, with an
// optional literal prefix/suffix ('ro-{{external.team}}').

export type Traits = Readonly<Record<string, readonly string[]>>;

/** Internal traits a role may reference; the key in AccessSubject.traits has the same name. */
export const INTERNAL_TRAITS: readonly string[] = ['db_users', 'db_names'];

const TEMPLATE =
  /\{\{\s*(internal|external)\s*(?:\.\s*([A-Za-z0-9_-]+)|\[\s*"([^"]+)"\s*\])\s*\}\}/;

type Parsed =
  | { kind: 'literal' }
  | { kind: 'template'; prefix: string; suffix: string; trait: string }
  | { kind: 'invalid'; reason: string };

function parse(value: string): Parsed {
  if (!value.includes('{{') && !value.includes('}}')) return { kind: 'literal' };
  const match = TEMPLATE.exec(value);
  const bad = `invalid template ${JSON.stringify(value)}: use {{internal.db_users}}, {{internal.db_names}} or {{external.<trait>}}`;
  if (!match) return { kind: 'invalid', reason: bad };
  const prefix = value.slice(0, match.index);
  const suffix = value.slice(match.index + match[0].length);
  // A second template (or a stray brace pair) would be silently treated as text otherwise.
  if (/\{\{|\}\}/.test(prefix) || /\{\{|\}\}/.test(suffix)) return { kind: 'invalid', reason: bad };
  const namespace = match[1];
  const trait = match[2] ?? match[3] ?? '';
  if (namespace === 'internal' && !INTERNAL_TRAITS.includes(trait)) {
    return { kind: 'invalid', reason: `unknown internal trait ${JSON.stringify(trait)}: use ${INTERNAL_TRAITS.map((t) => `{{internal.${t}}}`).join(' or ')}` };
  }
  return { kind: 'template', prefix, suffix, trait };
}

/** Why a role value cannot be used, or undefined when it is a literal or a valid template. */
export function templateProblem(value: string): string | undefined {
  const parsed = parse(value);
  return parsed.kind === 'invalid' ? parsed.reason : undefined;
}

/**
 * The concrete values one role value stands for. A template whose trait is missing or
 * empty expands to nothing, so it grants nothing (and, in a deny, denies nothing).
 */
export function expandValue(value: string, traits: Traits): string[] {
  const parsed = parse(value);
  if (parsed.kind === 'literal') return [value];
  if (parsed.kind === 'invalid') return []; // refused at parse time; never widen access here
  const values = Object.hasOwn(traits, parsed.trait) ? (traits[parsed.trait] ?? []) : [];
  return values.filter((v) => v !== '').map((v) => `${parsed.prefix}${v}${parsed.suffix}`);
}

export function expandValues(values: readonly string[] | undefined, traits: Traits): string[] {
  if (!values) return [];
  return values.flatMap((v) => expandValue(v, traits));
}
