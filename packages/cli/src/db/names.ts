import { CliError } from '../errors';

// Database names become file names (keys/db/NAME.key) and section headers, so they are
// held to the shape the Auth Service accepts from agents; anything else is refused here
// rather than written into a path or an INI header.
const DB_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export function checkDbName(name: string): string {
  if (!DB_NAME.test(name)) {
    throw new CliError(`"${name}" is not a database name (lower-case letters, digits, _ and -); see \`postern db ls\``);
  }
  return name;
}

/** The pg_service.conf section: `psql "service=postern-NAME"`. */
export function pgServiceName(name: string): string {
  return `postern-${name}`;
}

/** The suffix for `mysql --defaults-group-suffix=…`. */
export function mysqlGroupSuffix(name: string): string {
  return `_postern-${name}`;
}

/** The ~/.my.cnf group the client reads with that suffix. */
export function mysqlGroupName(name: string): string {
  return `client${mysqlGroupSuffix(name)}`;
}
