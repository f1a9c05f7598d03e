import { spawn } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { postgresOwner, runningAsRoot } from '@postern/local-postgres';
import { onCleanup } from './cleanup';
import { stopOnCleanup } from './child-stop';
import { writeOwnedFile, type Owner } from './files';
import { listenerCertificate } from './listener-cert';

export interface PgBouncer {
  pid: number;
  port: number;
  /** The CA that signed PgBouncer's own server certificate, for the client's sslrootcert. */
  listenerCaFile: string;
  logs(): string;
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  port: number;
  pgPort: number;
  dbName: string;
  dbUser: string;
  /** The DB Client CA: PostgreSQL's server certificate is from it, and so are client certificates. */
  dbCaPem: string;
  /** PgBouncer's client certificate towards PostgreSQL (CN = dbUser). */
  clientCert: { certPem: string; keyPem: string };
}

/**
 * Debian's PgBouncer in session mode (what a proxy that passes whole sessions compares
 * with), TLS on both sides, and certificate auth towards clients too, so it does what
 * Postern's proxy does on the way in: checks a client certificate.
 */
export async function startPgBouncer(o: PgBouncerOptions): Promise<PgBouncer> {
  // PgBouncer refuses to run as root; as root it runs as the postgres account.
  const owner: Owner | undefined = runningAsRoot() ? await postgresOwner() : undefined;
  // A folder of its own under /tmp: inside another 0700 root folder, postgres could not reach it.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'postern-bench-pgbouncer-'));
  onCleanup('pgbouncer folder', async () => rmSync(dir, { recursive: true, force: true }));
  if (owner) chownSync(dir, owner.uid, owner.gid);

  const listener = await listenerCertificate('bench-pgbouncer');
  const f = {
    listenerCa: writeOwnedFile(dir, 'listener-ca.crt', listener.caPem, { owner }),
    listenerCrt: writeOwnedFile(dir, 'listener.crt', listener.certPem, { owner }),
    listenerKey: writeOwnedFile(dir, 'listener.key', listener.keyPem, { key: true, owner }),
    // A copy: the original sits in the cluster's private (0700, root) temp folder.
    dbCa: writeOwnedFile(dir, 'db-client-ca.crt', o.dbCaPem, { owner }),
    serverCrt: writeOwnedFile(dir, 'to-postgres.crt', o.clientCert.certPem, { owner }),
    serverKey: writeOwnedFile(dir, 'to-postgres.key', o.clientCert.keyPem, { key: true, owner }),
  };
  // PgBouncer 1.18 fails cert auth for a user missing from auth_file; the password is never used.
  const authFile = writeOwnedFile(dir, 'users.txt', `"${o.dbUser}" ""\n`, { owner });
  const config = path.join(dir, 'pgbouncer.ini');
  writeFileSync(
    config,
    [
      '[databases]',
      `${o.dbName} = host=127.0.0.1 port=${o.pgPort} dbname=${o.dbName} user=${o.dbUser}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${o.port}`,
      `unix_socket_dir = ${dir}`,
      'pool_mode = session',
      'max_client_conn = 200',
      'default_pool_size = 50',
      'auth_type = cert',
      `auth_file = ${authFile}`,
      'client_tls_sslmode = verify-full',
      `client_tls_ca_file = ${f.dbCa}`,
      `client_tls_cert_file = ${f.listenerCrt}`,
      `client_tls_key_file = ${f.listenerKey}`,
      'server_tls_sslmode = verify-ca',
      `server_tls_ca_file = ${f.dbCa}`,
      `server_tls_cert_file = ${f.serverCrt}`,
      `server_tls_key_file = ${f.serverKey}`,
      // Logging every connection would cost it time the others do not spend.
      'log_connections = 0',
      'log_disconnections = 0',
      '',
    ].join('\n'),
  );
  if (owner) chownSync(config, owner.uid, owner.gid);

  // Spawned with uid/gid rather than through runuser, so the pid is PgBouncer's own.
  const child = spawn('pgbouncer', [config], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], ...(owner ?? {}) });
  let logs = '';
  child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
  child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
  const stop = stopOnCleanup('pgbouncer', child);
  try {
    await waitForPort(o.port, child, () => logs);
  } catch (err) {
    await stop();
    throw err;
  }
  return { pid: child.pid!, port: o.port, listenerCaFile: f.listenerCa, logs: () => logs, stop };
}

async function waitForPort(port: number, child: ReturnType<typeof spawn>, logs: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited with ${child.exitCode}:\n${logs()}`);
    const open = await new Promise<boolean>((res) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), res(true)));
      s.once('error', () => res(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`pgbouncer did not listen on ${port} within 10 s:\n${logs()}`);
}
