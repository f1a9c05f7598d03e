import os from 'node:os';
import path from 'node:path';
import { pgServiceBody, pgServiceName, type DbConnection } from '@postern/api/client-files';
import { isOurKeyPath } from './db-logins';
import { parseSections, removeSections, upsertSection } from './ini';
import { readIfExists, writePrivateFile } from './private-file';

/** The file libpq reads services from: $PGSERVICEFILE, else ~/.pg_service.conf. */
export function pgServiceFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.PGSERVICEFILE ? path.resolve(env.PGSERVICEFILE) : path.join(os.homedir(), '.pg_service.conf');
}

/** Adds or replaces the section; other sections stay. Returns false when it was already so. */
export function writePgService(file: string, c: DbConnection): boolean {
  const before = readIfExists(file) ?? '';
  const after = upsertSection(before, pgServiceName(c.name), pgServiceBody(c));
  if (after === before) return false;
  writePrivateFile(file, after);
  return true;
}

/**
 * Removes `postern-NAME` sections whose key lies in this POSTERN_HOME (all of them when
 * `names` is null): another profile's sections, or the user's own, are not ours to drop.
 */
export function removePgServices(file: string, home: string, names: readonly string[] | null): string[] {
  const before = readIfExists(file);
  if (before === null) return [];
  const wanted = names?.map(pgServiceName);
  const removed: string[] = [];
  const after = removeSections(before, (section, entries) => {
    const ours = section.startsWith('postern-') && (!wanted || wanted.includes(section)) && isOurKeyPath(home, entries.get('sslkey'));
    if (ours) removed.push(section);
    return ours;
  });
  if (removed.length > 0) writePrivateFile(file, after);
  return removed;
}

export function readPgService(file: string, name: string): Map<string, string> | undefined {
  return parseSections(readIfExists(file) ?? '').get(pgServiceName(name));
}
