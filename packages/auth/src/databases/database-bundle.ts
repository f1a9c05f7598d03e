import {
  BUNDLE_FILES,
  bundleConnection,
  bundleFolder,
  ClientFileError,
  connectCommands,
  databaseAddress,
  myCnfFileText,
  pgServiceFileText,
  pgServiceName,
  mysqlGroupName,
  type DatabaseBundleRequest,
  type DbConnection,
} from '@postern/api';
import { createCsr, generateKeyPair } from '@postern/pki';
import { unknownDatabaseMessage } from '@postern/rbac';
import { zipSync } from 'fflate';
import type { UserCaller } from '../caller';
import type { AuthContext } from '../context';
import { AuthError } from '../errors';
import { issueDbCert } from '../certs/issue-db-cert';
import { listDatabases } from './list-databases';

// The web UI's "Connect from your machine" download: a private key made on the server for
// this one download (Postern keeps no copy and logs nothing of it), a certificate for it
// issued as `postern db login` would get one (the roles decide; cert.create is audited),
// the CA that verifies the proxy, and a ready client file with the exact commands.

export interface BundleFile {
  /** Inside the bundle folder. */
  name: string;
  content: string;
  /** Unix permissions, kept in the zip for unzip tools that restore them. */
  mode: number;
}

export interface DatabaseBundle {
  /** `postern-NAME.zip`; it unpacks into the folder `postern-NAME/`. */
  filename: string;
  folder: string;
  protocol: 'postgres' | 'mysql';
  expires: string;
  zip: Uint8Array;
}

export interface BundleContent {
  connection: DbConnection;
  /** Who the certificate is for, for the README. */
  user: string;
  roles: string[];
  keyPem: string;
  certPem: string;
  caPems: string[];
}

const PRIVATE = 0o600;
const PUBLIC = 0o644;

function readme(b: BundleContent): string {
  const c = b.connection;
  const folder = bundleFolder(c.name);
  const commands = connectCommands(c);
  const fromBundle = commands.filter((x) => x.from === 'bundle');
  const cli = commands.find((x) => x.from === 'cli');
  const pg = c.protocol === 'postgres';
  const clientFile = pg ? BUNDLE_FILES.pgService : BUNDLE_FILES.myCnf;
  const fileRows: [string, string][] = [
    [BUNDLE_FILES.key, 'your private key, made for this download only: Postern kept no copy. Keep it to yourself.'],
    [BUNDLE_FILES.cert, `your certificate for database "${c.name}" as db user "${c.user}", db name "${c.database}"`],
    [BUNDLE_FILES.ca, "the CA that signed the proxy's certificate: the client checks the proxy with it"],
    [
      clientFile,
      pg
        ? `the service [${pgServiceName(c.name)}] for psql, pg_dump, pgbench and other libpq tools`
        : `the option group [${mysqlGroupName(c.name)}] for the mysql and mariadb clients`,
    ],
  ];
  const width = Math.max(...fileRows.map(([n]) => n.length)) + 2;
  const lines = [
    `Postern certificate bundle: database ${c.name} (${pg ? 'PostgreSQL' : 'MySQL / MariaDB'})`,
    '',
    `  For:          ${b.user} (roles: ${b.roles.join(', ') || 'none'})`,
    `  Connects as:  db user "${c.user}", db name "${c.database}"`,
    `  Proxy:        ${c.host}:${c.port}`,
    `  Valid until:  ${c.expires}; download a new bundle after that.`,
    '',
    'Files',
    ...fileRows.map(([n, what]) => `  ${n.padEnd(width)}${what}`),
    '',
    `The paths in ${clientFile} are relative to this folder, so run the commands from it:`,
    '',
    `  cd ${folder}`,
    `  chmod 600 ${BUNDLE_FILES.key}    # unzip keeps this mode; other tools may not${pg ? ', and libpq refuses a key others can read' : ''}`,
    '',
    ...fromBundle.flatMap((x) => [`${x.label}:`, '', `  ${x.command}`, '']),
    pg
      ? `To use the service from anywhere: move the files to a folder of your own, write absolute paths into the section, and append it to ~/.pg_service.conf; then \`psql service=${pgServiceName(c.name)}\`.`
      : `To use the group from anywhere: move the files to a folder of your own, write absolute paths into the group(s), and append them to ~/.my.cnf; then drop --defaults-extra-file.`,
    '',
    ...(cli ? ['Or with the postern CLI, after `postern login` (no bundle needed; it renews the certificate itself):', '', `  ${cli.command}`, ''] : []),
  ];
  return wrap(lines).join('\n');
}

/** Prose lines wrapped at 100 columns; indented lines (commands, tables) are left whole. */
function wrap(lines: string[]): string[] {
  return lines.flatMap((line) => {
    if (line.length <= 100 || line.startsWith(' ')) return [line];
    const out: string[] = [];
    let current = '';
    for (const word of line.split(' ')) {
      if (current && current.length + 1 + word.length > 100) {
        out.push(current);
        current = word;
      } else {
        current = current ? `${current} ${word}` : word;
      }
    }
    if (current) out.push(current);
    return out;
  });
}

/** The files of a bundle, in the order a person reads them. Pure, for tests and the zip. */
export function renderBundleFiles(b: BundleContent): BundleFile[] {
  const c = b.connection;
  const comment = [
    `from the Postern web UI for ${b.user}: database ${c.name}, valid until ${c.expires}`,
    'paths are relative to the bundle folder: run the client from there (see README.txt)',
  ];
  const clientFile: BundleFile =
    c.protocol === 'postgres'
      ? { name: BUNDLE_FILES.pgService, content: pgServiceFileText(c, comment), mode: PUBLIC }
      : { name: BUNDLE_FILES.myCnf, content: myCnfFileText(c, comment), mode: PUBLIC };
  return [
    { name: BUNDLE_FILES.readme, content: readme(b), mode: PUBLIC },
    clientFile,
    { name: BUNDLE_FILES.cert, content: ensureNewline(b.certPem), mode: PUBLIC },
    { name: BUNDLE_FILES.key, content: ensureNewline(b.keyPem), mode: PRIVATE },
    { name: BUNDLE_FILES.ca, content: b.caPems.map(ensureNewline).join(''), mode: PUBLIC },
  ];
}

function ensureNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

/** A zip with one folder holding the files, Unix permissions included (external attributes). */
export function zipBundle(folder: string, files: BundleFile[], mtime: Date): Uint8Array {
  const encoder = new TextEncoder();
  const entries: Record<string, [Uint8Array, { os: number; attrs: number; mtime: Date; level: 6 }]> = {};
  for (const f of files) {
    // 0o100000: a regular file, as Info-ZIP writes it.
    entries[`${folder}/${f.name}`] = [encoder.encode(f.content), { os: 3, attrs: ((0o100000 | f.mode) << 16) >>> 0, mtime, level: 6 }];
  }
  return zipSync(entries);
}

/** Refuses what cannot be written into a client file before anything is signed. */
function renderOrRefuse<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ClientFileError) throw new AuthError('bad_request', err.message);
    throw err;
  }
}

export async function databaseBundle(
  ctx: AuthContext,
  caller: UserCaller,
  name: string,
  req: DatabaseBundleRequest,
  /** Where the proxy listens, as /ping tells clients. */
  ping: { proxy_public_addr?: string; mysql_public_addr?: string },
): Promise<DatabaseBundle> {
  // Visibility first: no key is made for a database the roles do not show.
  const databases = await listDatabases(ctx, caller);
  const db = databases.find((d) => d.name === name);
  if (!db) {
    throw new AuthError('not_found', unknownDatabaseMessage(name, databases.map((d) => d.name)));
  }
  const address = renderOrRefuse(() => databaseAddress(db.protocol, ping, ctx.publicUrl));
  const draft = bundleConnection(db, address, req);
  // A db user or name with a line break would add lines to the client file.
  renderOrRefuse(() => renderBundleFiles({ connection: draft, user: caller.name, roles: caller.roleNames, keyPem: '', certPem: '', caPems: [] }));

  const key = await generateKeyPair();
  const issued = await issueDbCert(ctx, caller, {
    csr: createCsr(key, caller.name),
    db_service: db.name,
    db_user: req.db_user,
    db_name: req.db_name,
    ...(req.ttl ? { ttl: req.ttl } : {}),
  });
  const connection = bundleConnection(db, address, req, issued.expires);
  const files = renderBundleFiles({
    connection,
    user: caller.name,
    roles: caller.roleNames,
    keyPem: key.privateKeyPem,
    certPem: issued.certificate,
    caPems: issued.ca.host,
  });
  const folder = bundleFolder(db.name);
  return { filename: `${folder}.zip`, folder, protocol: db.protocol, expires: issued.expires, zip: zipBundle(folder, files, ctx.now()) };
}
