import { parseDocument, stringify } from 'yaml';
import { RbacError } from './errors';
import { formatIssues } from '@postern/validation';
import { roleSchema, type Role } from './schema';

/** Validates a role document; the error names the path of every offending key. */
export function parseRole(input: unknown): Role {
  const result = roleSchema.safeParse(input);
  if (!result.success) {
    throw new RbacError('role_invalid', `invalid role: ${formatIssues(result.error.issues)}`);
  }
  return result.data;
}

/** Parses the YAML an admin passes to `postern admin roles apply -f`. */
export function parseRoleYaml(text: string): Role {
  const doc = parseDocument(text, { prettyErrors: true });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    const where = pos ? `line ${pos.line}, column ${pos.col}` : 'YAML';
    // The yaml library appends a code excerpt after the first line; keep the message to one line.
    const what = first.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'syntax error';
    throw new RbacError('role_invalid', `invalid role YAML at ${where}: ${what}`);
  }
  if (doc.contents === null) throw new RbacError('role_invalid', 'invalid role YAML: the document is empty');
  return parseRole(doc.toJS());
}

/** The YAML form of a role, suitable for `postern admin roles get` and re-applying. */
export function roleToYaml(role: Role): string {
  return stringify(role);
}
