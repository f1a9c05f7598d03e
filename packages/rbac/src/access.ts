import { deniedPart, deniedValues, deniesDatabase } from './deny';
import { labelsMatch, matchesAny } from './match';
import type { Role } from './schema';
import type { AccessDecision, AccessSubject, DatabaseResource } from './subject';
import { expandValues } from './templates';

// The one database decision, run by the Auth Service (before signing a database
// certificate), the proxy (before routing) and the agent (before connecting), so that a
// compromised proxy cannot grant what the agent would refuse.

function allowsDatabase(role: Role, subject: AccessSubject, db: DatabaseResource): boolean {
  return labelsMatch(role.spec.allow?.db_labels, db.labels, subject.traits);
}

function deniedEntirelyBy(subject: AccessSubject, db: DatabaseResource): Role | undefined {
  return subject.roles.find((role) => deniesDatabase(role.spec.deny, db, subject.traits));
}

/** Whether the database shows up for this subject (`postern db ls`, the web inventory). */
export function canSeeDatabase(subject: AccessSubject, db: DatabaseResource): boolean {
  return (
    subject.roles.some((role) => allowsDatabase(role, subject, db)) && deniedEntirelyBy(subject, db) === undefined
  );
}

function allowedValues(subject: AccessSubject, db: DatabaseResource, field: 'db_users' | 'db_names'): string[] {
  if (deniedEntirelyBy(subject, db)) return [];
  const allowed = new Set<string>();
  for (const role of subject.roles) {
    if (!allowsDatabase(role, subject, db)) continue;
    for (const value of expandValues(role.spec.allow?.[field], subject.traits)) allowed.add(value);
  }
  const denied = new Set(subject.roles.flatMap((role) => deniedValues(role.spec.deny, db, subject.traits, field)));
  return [...allowed].filter((value) => !denied.has(value));
}

/** The db users this subject may pick on this database, templates expanded. */
export function allowedDbUsers(subject: AccessSubject, db: DatabaseResource): string[] {
  return allowedValues(subject, db, 'db_users');
}

/** The db names this subject may pick on this database, templates expanded. */
export function allowedDbNames(subject: AccessSubject, db: DatabaseResource): string[] {
  return allowedValues(subject, db, 'db_names');
}

function list(values: readonly string[]): string {
  return values.length === 0 ? 'none' : values.join(', ');
}

function refuse(reason: string): AccessDecision {
  return { allowed: false, reason };
}

/**
 * Whether the subject may connect to `db` as `req.dbUser` to `req.dbName`. Granted when one
 * role's allow matches the labels, the db user and the db name together (Teleport
 * semantics: two roles cannot be combined into a grant neither gives), and no deny matches.
 */
export function checkDatabaseAccess(
  subject: AccessSubject,
  db: DatabaseResource,
  req: { dbUser: string; dbName: string },
): AccessDecision {
  // Order: which databases the roles reach, whole-database denies, the request's shape,
  // then per-user/per-name denies and grants. Locks, when they come, go first.
  const { roles, traits } = subject;
  const where = `database ${JSON.stringify(db.name)}`;

  const candidates = roles.filter((role) => allowsDatabase(role, subject, db));
  if (candidates.length === 0) {
    const held = roles.length === 0 ? 'you have no roles' : `your roles (${roles.map((r) => r.metadata.name).join(', ')}) do not match its labels`;
    return refuse(`access to ${where} is not allowed: ${held}`);
  }

  const wholeDeny = deniedEntirelyBy(subject, db);
  if (wholeDeny) return refuse(`access to ${where} is denied by role ${JSON.stringify(wholeDeny.metadata.name)}`);

  // Blank names would otherwise match a '*' and reach the database as its default user/db.
  if (req.dbUser.trim() === '') {
    return refuse(`a db user is required to connect to ${where}; your roles allow: ${list(allowedDbUsers(subject, db))}`);
  }
  if (req.dbName.trim() === '') {
    return refuse(`a db name is required to connect to ${where}; your roles allow: ${list(allowedDbNames(subject, db))}`);
  }

  for (const role of roles) {
    const part = deniedPart(role.spec.deny, db, traits, req);
    if (part === undefined) continue;
    const by = `by role ${JSON.stringify(role.metadata.name)}`;
    if (part === 'db_user') {
      return refuse(`db user ${JSON.stringify(req.dbUser)} is denied for ${where} ${by}; your roles allow: ${list(allowedDbUsers(subject, db))}`);
    }
    if (part === 'db_name') {
      return refuse(`db name ${JSON.stringify(req.dbName)} is denied for ${where} ${by}; your roles allow: ${list(allowedDbNames(subject, db))}`);
    }
    return refuse(`access to ${where} is denied ${by}`);
  }

  const userOk = (role: Role) => matchesAny(expandValues(role.spec.allow?.db_users, traits), req.dbUser);
  const nameOk = (role: Role) => matchesAny(expandValues(role.spec.allow?.db_names, traits), req.dbName);
  if (candidates.some((role) => userOk(role) && nameOk(role))) return { allowed: true };

  if (!candidates.some(userOk)) {
    return refuse(`db user ${JSON.stringify(req.dbUser)} is not allowed for ${where}; your roles allow: ${list(allowedDbUsers(subject, db))}`);
  }
  if (!candidates.some(nameOk)) {
    return refuse(`db name ${JSON.stringify(req.dbName)} is not allowed for ${where}; your roles allow: ${list(allowedDbNames(subject, db))}`);
  }
  return refuse(
    `no single role allows db user ${JSON.stringify(req.dbUser)} together with db name ${JSON.stringify(req.dbName)} on ${where}`,
  );
}
