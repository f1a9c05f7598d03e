import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@postern/testing';
import { stopOnCleanup } from './child-stop';
import { writeOwnedFile } from './files';
import { listenerCertificate } from './listener-cert';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'node-relay.mjs');

export interface NodeRelay {
  pid: number;
  pgPort: number;
  mysqlPort: number;
  /** The CA of its listener certificate, for the client's sslrootcert / --ssl-ca. */
  listenerCaFile: string;
  stop(): Promise<void>;
}

export interface NodeRelayOptions {
  /** Where its CA file goes. */
  dir: string;
  pgPort: number;
  mariadbPort: number;
  /** The DB Client CA: it signed the databases' server certificates and the client certificates. */
  dbCaPem: string;
  /** Its client certificate towards both databases (CN = the db user). */
  clientCert: { certPem: string; keyPem: string };
}

/**
 * The bare Node.js relay (bench/node-relay.mjs) as a process of its own, so its CPU is
 * measured like PgBouncer's, with a PostgreSQL and a MySQL listener.
 */
export async function startNodeRelay(o: NodeRelayOptions): Promise<NodeRelay> {
  const listener = await listenerCertificate('bench-node-relay');
  const pgPort = await freePort();
  const mysqlPort = await freePort();
  const settings = {
    postgres: { listen: pgPort, upstream: o.pgPort },
    mysql: { listen: mysqlPort, upstream: o.mariadbPort },
    server: { cert: listener.certPem, key: listener.keyPem },
    clientCa: o.dbCaPem,
    upstreamCa: o.dbCaPem,
    client: { cert: o.clientCert.certPem, key: o.clientCert.keyPem },
  };
  // The settings hold a private key: they go through stdin, not the command line others can read.
  const child = spawn(process.execPath, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
  // A relay that dies at once closes its stdin under us; its exit is what gets reported.
  child.stdin.on('error', () => {});
  child.stdin.end(JSON.stringify(settings));
  let output = '';
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const stop = stopOnCleanup('node relay', child);
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 10_000);
    const settle = (ok: boolean) => {
      clearTimeout(timer);
      resolve(ok);
    };
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('ready')) settle(true);
    });
    child.once('exit', () => settle(false));
  });
  if (!ready) {
    await stop();
    throw new Error(`the bare Node relay did not start:\n${output}`);
  }
  const listenerCaFile = writeOwnedFile(o.dir, 'node-relay-ca.crt', listener.caPem);
  return { pid: child.pid!, pgPort, mysqlPort, listenerCaFile, stop };
}
