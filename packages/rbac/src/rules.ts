import { matchesAny } from './match';
import type { Conditions, Role } from './schema';

// Admin API permissions, Teleport-style: `rules: [{ resources: [role], verbs: [list, read] }]`.

function ruleMatches(conditions: Conditions | undefined, resource: string, verb: string): boolean {
  return (conditions?.rules ?? []).some(
    (rule) => matchesAny(rule.resources, resource) && matchesAny(rule.verbs, verb),
  );
}

/** Whether these roles may perform `verb` on `resource`. A matching deny rule in any role wins. */
export function isActionAllowed(roles: readonly Role[], resource: string, verb: string): boolean {
  if (resource === '' || verb === '') return false;
  if (roles.some((role) => ruleMatches(role.spec.deny, resource, verb))) return false;
  return roles.some((role) => ruleMatches(role.spec.allow, resource, verb));
}
