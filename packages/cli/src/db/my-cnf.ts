import os from 'node:os';
import path from 'node:path';
import { myCnfBody, mysqlGroupName, unquoteOptionValue, type DbConnection, type MysqlFlavor } from '@postern/api/client-files';
import { isOurKeyPath } from './db-logins';
import { parseSections, removeSections, upsertSection } from './ini';
import { readIfExists, writePrivateFile } from './private-file';

/** The per-user option file both MySQL's and MariaDB's clients read. */
export function myCnfFile(): string {
  return path.join(os.homedir(), '.my.cnf');
}

export function writeMyCnf(file: string, c: DbConnection, flavor: MysqlFlavor): boolean {
  const before = readIfExists(file) ?? '';
  const after = upsertSection(before, mysqlGroupName(c.name), myCnfBody(c, flavor));
  if (after === before) return false;
  writePrivateFile(file, after);
  return true;
}

/** As removePgServices: only `client_postern-NAME` groups whose key lies in this home. */
export function removeMyCnfGroups(file: string, home: string, names: readonly string[] | null): string[] {
  const before = readIfExists(file);
  if (before === null) return [];
  const wanted = names?.map(mysqlGroupName);
  const removed: string[] = [];
  const after = removeSections(before, (section, entries) => {
    const ours = section.startsWith('client_postern-') && (!wanted || wanted.includes(section)) && isOurKeyPath(home, unquoteOptionValue(entries.get('ssl-key')));
    if (ours) removed.push(section);
    return ours;
  });
  if (removed.length > 0) writePrivateFile(file, after);
  return removed;
}

export function readMyCnfGroup(file: string, name: string): Map<string, string> | undefined {
  return parseSections(readIfExists(file) ?? '').get(mysqlGroupName(name));
}
