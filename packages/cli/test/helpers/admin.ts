import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Cluster } from './cluster';

/** `postern ARGS --config <the cluster's>`: its stdout; a non-zero exit throws with stderr. */
export async function posternOk(c: Cluster, args: string[]): Promise<string> {
  const r = await c.postern([...args, '--config', c.configFile]);
  if (r.code !== 0) throw new Error(`postern ${args.join(' ')} exited with ${r.code}:\n${r.stderr}`);
  return r.stdout;
}

/** What a test database is started with: PEM texts in the shape startPostgres and startMariadb take. */
export interface DatabaseServerTls {
  serverCertPem: string;
  serverKeyPem: string;
  /** The DB Client CA: it verifies the agent's certificates. */
  clientCaPem: string;
}

/** A server certificate for 127.0.0.1 and localhost from `postern admin db sign`, as a database admin would make one. */
export async function signDatabaseServer(c: Cluster): Promise<DatabaseServerTls> {
  const out = path.join(c.root, 'server');
  await posternOk(c, ['admin', 'db', 'sign', '--host', '127.0.0.1,localhost', '--out', out]);
  const read = (ext: string) => readFileSync(`${out}.${ext}`, 'utf8');
  return { serverCertPem: read('crt'), serverKeyPem: read('key'), clientCaPem: read('cas') };
}
