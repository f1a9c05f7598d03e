import { certResponse, listDatabasesResponse, type DatabaseInfo } from '@postern/api';
import { createCsr, generateKeyPair } from '@postern/pki';
import { unknownDatabaseMessage } from '@postern/rbac';
import { CliError } from '../errors';
import { callApi } from '../http';
import { apiTargetFor, posternHome, profileFiles, requireProfile } from '../profile';
import { findMysqlClient } from './client-binaries';
import { writeClientConfig, type ClientConfigLocation } from './client-config';
import { connectionOf, type DbConnection } from './connection';
import { loadDbLogin, saveDbLogin, type DbLoginRecord } from './db-logins';
import { writePrivateFile } from './private-file';
import { databaseAddress, pingForDb } from './proxy-addr';

export interface DbLoginRequest {
  name: string;
  dbUser?: string;
  dbName?: string;
  ttl?: string;
}

export interface DbLoginResult {
  record: DbLoginRecord;
  connection: DbConnection;
  config: ClientConfigLocation;
}

/** A certificate this close to its end is renewed rather than used. */
export const RENEW_MARGIN_MS = 60_000;

function describeAllowed(values: readonly string[], what: string): string {
  if (values.length === 0) return `your roles allow no ${what} there`;
  return `your roles allow: ${values.map((v) => (v === '*' ? '* (any)' : v)).join(', ')}`;
}

/**
 * The value given, or the only one the roles allow. A wildcard or several values leave
 * the choice to the person: guessing would pick an account they did not mean.
 */
function pick(given: string | undefined, allowed: readonly string[], what: string, flag: string, db: string): string {
  if (given) return given;
  const only = allowed.length === 1 ? allowed[0] : undefined;
  if (only !== undefined && only !== '*') return only;
  throw new CliError(`database ${db}: choose the ${what} with ${flag}; ${describeAllowed(allowed, what)}`);
}

function findDatabase(databases: DatabaseInfo[], name: string): DatabaseInfo {
  const db = databases.find((d) => d.name === name);
  if (db) return db;
  throw new CliError(unknownDatabaseMessage(name, databases.map((d) => d.name)));
}

/**
 * Gets a database certificate for the session's user and writes the key, the certificate
 * and the client's service section / option group.
 */
export async function loginToDatabase(req: DbLoginRequest, home = posternHome(), env: NodeJS.ProcessEnv = process.env): Promise<DbLoginResult> {
  const profile = requireProfile(home);
  const target = apiTargetFor(profile, home);
  const [{ databases }, ping] = await Promise.all([
    callApi(target, 'GET', '/databases', listDatabasesResponse),
    callApi(target, 'GET', '/ping', pingForDb),
  ]);
  const db = findDatabase(databases, req.name);
  const dbUser = pick(req.dbUser, db.db_users, 'db user', '--db-user', db.name);
  const dbName = pick(req.dbName, db.db_names, 'db name', '--db-name', db.name);
  const addr = databaseAddress(db.protocol, ping, profile.proxy);

  const key = await generateKeyPair();
  // The server decides; its refusal names what the roles allow.
  const res = await callApi(target, 'POST', '/certs/db', certResponse, {
    csr: createCsr(key, profile.user),
    db_service: db.name,
    db_user: dbUser,
    db_name: dbName,
    ...(req.ttl ? { ttl: req.ttl } : {}),
  });

  const files = profileFiles(home);
  // The Host CA signs the proxy's certificate; the answer carries the current bundle,
  // which after a rotation holds the new CA too.
  writePrivateFile(files.cas.host, res.ca.host.join('\n'));
  const record: DbLoginRecord = {
    db_service: db.name,
    protocol: db.protocol,
    db_user: dbUser,
    db_name: dbName,
    host: addr.host,
    port: addr.port,
    expires: res.expires,
  };
  saveDbLogin(home, record, key.privateKeyPem, res.certificate);
  const connection = connectionOf(home, files.cas.host, record);
  // Only the MySQL option file depends on which client is installed.
  const flavor = db.protocol === 'mysql' ? (findMysqlClient(env)?.flavor ?? 'mariadb') : 'mariadb';
  const config = writeClientConfig(connection, flavor, env);
  return { record, connection, config };
}

/** The saved login for `name` if it is still good for what is asked, else null. */
export function usableDbLogin(home: string, name: string, want: { dbUser?: string; dbName?: string }, now = Date.now()): DbLoginRecord | null {
  const rec = loadDbLogin(home, name);
  if (!rec) return null;
  if (want.dbUser && want.dbUser !== rec.db_user) return null;
  if (want.dbName && want.dbName !== rec.db_name) return null;
  if (new Date(rec.expires).getTime() - now <= RENEW_MARGIN_MS) return null;
  return rec;
}

/** A usable login, logging in again (keeping the earlier db user and name) when needed. */
export async function ensureDbLogin(
  req: DbLoginRequest,
  home = posternHome(),
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ record: DbLoginRecord; connection: DbConnection; renewed: boolean }> {
  const rec = usableDbLogin(home, req.name, req);
  if (rec) return { record: rec, connection: connectionOf(home, profileFiles(home).cas.host, rec), renewed: false };
  const previous = loadDbLogin(home, req.name);
  const done = await loginToDatabase(
    { ...req, dbUser: req.dbUser ?? previous?.db_user, dbName: req.dbName ?? previous?.db_name },
    home,
    env,
  );
  return { record: done.record, connection: done.connection, renewed: true };
}

export function describeExpiry(expires: string, now = Date.now()): string {
  const ms = new Date(expires).getTime() - now;
  if (ms <= 0) return `${expires} (expired)`;
  const minutes = Math.round(ms / 60_000);
  const left = minutes >= 60 ? `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m` : `${minutes}m`;
  return `${expires} (in ${left})`;
}

/** The saved login for `name` and its connection details, for commands that work offline. */
export function savedConnection(home: string, name: string, hostCaFile: string): { record: DbLoginRecord; connection: DbConnection } {
  const record = loadDbLogin(home, name);
  if (!record) throw new CliError(`not logged in to database ${name}: run \`postern db login ${name}\``);
  return { record, connection: connectionOf(home, hostCaFile, record) };
}
