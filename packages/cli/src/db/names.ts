import { CliError } from '../errors';

// Database names become file names (keys/db/NAME.key) and section headers, so they are
// held to the shape the Auth Service accepts from agents; anything else is refused here
// rather than written into a path or an INI header. The section and group names themselves
// come from @postern/api/client-files, which the web UI's bundle shares.
const DB_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export function checkDbName(name: string): string {
  if (!DB_NAME.test(name)) {
    throw new CliError(`"${name}" is not a database name (lower-case letters, digits, _ and -); see \`postern db ls\``);
  }
  return name;
}
