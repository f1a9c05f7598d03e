import os from 'node:os';
import path from 'node:path';
import type { MysqlFlavor } from './client-binaries';
import { checkLineValue, type DbConnection } from './connection';
import { isOurKeyPath } from './db-logins';
import { parseSections, removeSections, upsertSection } from './ini';
import { mysqlGroupName } from './names';
import { readIfExists, writePrivateFile } from './private-file';

/** The per-user option file both MySQL's and MariaDB's clients read. */
export function myCnfFile(): string {
  return path.join(os.homedir(), '.my.cnf');
}

/** Option files treat '#' and quotes specially; such values are double-quoted with escapes. */
function optionValue(value: string): string {
  checkLineValue('option value', value);
  if (!/[#;'"\\]|^\s|\s$/.test(value)) return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function unquote(value: string | undefined): string | undefined {
  if (value === undefined || !/^".*"$/.test(value)) return value;
  return value.slice(1, -1).replace(/\\(.)/g, '$1');
}

export function myCnfBody(c: DbConnection, flavor: MysqlFlavor): string[] {
  const entries: [string, string][] = [
    ['host', c.host],
    ['port', String(c.port)],
    // `host=localhost` would otherwise mean the local Unix socket to both clients.
    ['protocol', 'TCP'],
    ['user', c.user],
    ['database', c.database],
    ['ssl-ca', c.ca],
    ['ssl-cert', c.cert],
    ['ssl-key', c.key],
  ];
  return [
    `# written by \`postern db login ${c.name}\`; \`postern db logout ${c.name}\` removes it`,
    ...entries.map(([k, v]) => `${k}=${optionValue(v)}`),
    flavor === 'mysql' ? 'ssl-mode=VERIFY_IDENTITY' : 'ssl-verify-server-cert',
  ];
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
    const ours = section.startsWith('client_postern-') && (!wanted || wanted.includes(section)) && isOurKeyPath(home, unquote(entries.get('ssl-key')));
    if (ours) removed.push(section);
    return ours;
  });
  if (removed.length > 0) writePrivateFile(file, after);
  return removed;
}

export function readMyCnfGroup(file: string, name: string): Map<string, string> | undefined {
  return parseSections(readIfExists(file) ?? '').get(mysqlGroupName(name));
}
