import { mysqlGroupName, mysqlGroupSuffix, pgServiceName, type DbConnection, type MysqlFlavor } from '@postern/api/client-files';
import { myCnfFile, removeMyCnfGroups, writeMyCnf } from './my-cnf';
import { pgServiceFile, removePgServices, writePgService } from './pg-service';

// The one place that knows which client file a protocol uses, for login, logout and config.

export interface ClientConfigLocation {
  file: string;
  section: string;
  /** How a person connects using it. */
  command: string;
}

export function clientConfigLocation(protocol: DbConnection['protocol'], name: string, env: NodeJS.ProcessEnv = process.env): ClientConfigLocation {
  return protocol === 'postgres'
    ? { file: pgServiceFile(env), section: pgServiceName(name), command: `psql "service=${pgServiceName(name)}"` }
    : { file: myCnfFile(), section: mysqlGroupName(name), command: `mysql --defaults-group-suffix=${mysqlGroupSuffix(name)}` };
}

/** Writes (or refreshes) the section for this connection; a no-op when it is already current. */
export function writeClientConfig(c: DbConnection, mysqlFlavor: MysqlFlavor, env: NodeJS.ProcessEnv = process.env): ClientConfigLocation {
  const where = clientConfigLocation(c.protocol, c.name, env);
  if (c.protocol === 'postgres') writePgService(where.file, c);
  else writeMyCnf(where.file, c, mysqlFlavor);
  return where;
}

/** Removes this home's sections (for `names`, or all); returns "section in file" for each. */
export function removeClientConfigs(home: string, names: readonly string[] | null, env: NodeJS.ProcessEnv = process.env): string[] {
  const pg = pgServiceFile(env);
  const my = myCnfFile();
  return [
    ...removePgServices(pg, home, names).map((s) => `[${s}] in ${pg}`),
    ...removeMyCnfGroups(my, home, names).map((s) => `[${s}] in ${my}`),
  ];
}
