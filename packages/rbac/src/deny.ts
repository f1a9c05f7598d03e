import { hasSelector, labelsMatch, matchesAny, WILDCARD } from './match';
import type { Conditions } from './schema';
import type { DatabaseResource } from './subject';
import { expandValues, type Traits } from './templates';

// Deny conditions follow Teleport: they match greedily and override every allow.
//  - `deny: {}` denies nothing.
//  - db_labels alone denies the matching databases entirely.
//  - db_names / db_users deny those names or users; without db_labels they apply to
//    every database ("never as postgres, anywhere").
// Whether a deny names users or names is decided on the role as written, before template
// expansion: a deny of '{{external.blocked}}' for a user without that trait denies
// nothing, rather than turning into a labels-only deny of the whole database.

function hasTargets(deny: Conditions): boolean {
  return (deny.db_names?.length ?? 0) > 0 || (deny.db_users?.length ?? 0) > 0;
}

/** Whether this deny condition set concerns this database at all. */
function concerns(deny: Conditions | undefined, db: DatabaseResource, traits: Traits): deny is Conditions {
  if (!deny) return false;
  const labelled = hasSelector(deny.db_labels);
  if (!labelled && !hasTargets(deny)) return false;
  return labelled ? labelsMatch(deny.db_labels, db.labels, traits) : true;
}

/** The deny shuts the whole database: no db user or db name could get through it. */
export function deniesDatabase(deny: Conditions | undefined, db: DatabaseResource, traits: Traits): boolean {
  if (!concerns(deny, db, traits)) return false;
  if (!hasTargets(deny)) return true;
  return (
    expandValues(deny.db_names, traits).includes(WILDCARD) ||
    expandValues(deny.db_users, traits).includes(WILDCARD)
  );
}

/** Which part of a request a deny condition set refuses, if any. */
export function deniedPart(
  deny: Conditions | undefined,
  db: DatabaseResource,
  traits: Traits,
  req: { dbUser: string; dbName: string },
): 'database' | 'db_user' | 'db_name' | undefined {
  if (!concerns(deny, db, traits)) return undefined;
  if (!hasTargets(deny)) return 'database';
  if (matchesAny(expandValues(deny.db_users, traits), req.dbUser)) return 'db_user';
  if (matchesAny(expandValues(deny.db_names, traits), req.dbName)) return 'db_name';
  return undefined;
}

/** Concrete values of one deny list that apply to this database, for trimming allowed lists. */
export function deniedValues(
  deny: Conditions | undefined,
  db: DatabaseResource,
  traits: Traits,
  field: 'db_users' | 'db_names',
): string[] {
  if (!concerns(deny, db, traits)) return [];
  return expandValues(deny[field], traits);
}
