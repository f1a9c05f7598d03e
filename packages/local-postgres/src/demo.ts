import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { postgresOwner, runningAsRoot, runServerTool } from './binaries';
import { freePort } from './free-port';
import { run } from './run';

export interface DemoPostgres {
  port: number;
  uri: string;
  stop(): Promise<void>;
}

export class DemoPostgresError extends Error {
  override name = 'DemoPostgresError';
}

const SEED = `
create table products (id serial primary key, name text not null, price numeric(10,2) not null);
insert into products (name, price) values ('Tea', 3.50), ('Coffee', 4.20), ('Cake', 5.00);
`;

async function own(file: string): Promise<void> {
  if (!runningAsRoot()) return;
  const { uid, gid } = await postgresOwner();
  chownSync(file, uid, gid);
}

async function writeOwned(file: string, text: string, mode: number): Promise<void> {
  writeFileSync(file, text, { mode });
  chmodSync(file, mode);
  await own(file);
}

/**
 * Where the demo database of a data dir lives. As root the server runs as the postgres
 * account, which cannot enter root's folders (a checkout under /root), so its files go to
 * /var/lib/postern, one folder per data dir.
 */
export function demoPostgresDir(dataDir: string): string {
  if (!runningAsRoot()) return path.join(dataDir, 'demo-postgres');
  const id = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
  return path.join('/var/lib/postern', `demo-postgres-${id}`);
}

/**
 * The quickstart's database: a PostgreSQL in the data dir that admits only clients with a
 * certificate from the DB Client CA (CN = db user), as a real one set up with
 * `postern admin db sign` would. Created on first start, reused afterwards.
 */
export async function startDemoPostgres(opts: { dir: string; serverCertPem: string; serverKeyPem: string; clientCaPem: string }): Promise<DemoPostgres> {
  const { dir } = opts;
  const fresh = !existsSync(path.join(dir, 'PG_VERSION'));
  const portFile = path.join(dir, 'postern-port');
  if (fresh) {
    // The server's account must be able to enter the parent; the folder itself is its own.
    mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    await own(dir);
    const init = await runServerTool('initdb', ['-D', dir, '-U', 'postgres', '--auth=trust', '--no-instructions', '-E', 'UTF8'], { timeoutMs: 120_000 });
    if (init.code !== 0) throw new DemoPostgresError(`demo database: initdb failed: ${init.stderr.trim()}`);
    const port = await freePort();
    await writeOwned(portFile, String(port), 0o600);
    await writeOwned(
      path.join(dir, 'postgresql.auto.conf'),
      [
        `listen_addresses = '127.0.0.1'`,
        `port = ${port}`,
        `unix_socket_directories = '${dir}'`,
        `ssl = on`,
        `ssl_cert_file = 'server.crt'`,
        `ssl_key_file = 'server.key'`,
        `ssl_ca_file = 'client-ca.crt'`,
        `max_connections = 300`,
      ].join('\n') + '\n',
      0o600,
    );
    // The local socket (for Postern's own setup) trusts the postern superuser only;
    // everyone over TCP needs a certificate.
    await writeOwned(path.join(dir, 'pg_hba.conf'), 'local all postgres trust\nhostssl all all 127.0.0.1/32 cert\n', 0o600);
  }
  // Certificates are rewritten every start, so a renewed CA or certificate takes effect.
  await writeOwned(path.join(dir, 'server.crt'), opts.serverCertPem, 0o644);
  await writeOwned(path.join(dir, 'server.key'), opts.serverKeyPem, 0o600);
  await writeOwned(path.join(dir, 'client-ca.crt'), opts.clientCaPem, 0o644);
  const port = Number(readFileSync(portFile, 'utf8'));
  const logFile = path.join(dir, 'server.log');
  // A server left running by a Postern that was killed: stop it, then start it afresh.
  if ((await runServerTool('pg_ctl', ['-D', dir, 'status'], { timeoutMs: 10_000 })).code === 0) {
    await runServerTool('pg_ctl', ['-D', dir, '-m', 'fast', '-w', 'stop'], { timeoutMs: 60_000 });
  }
  const started = await runServerTool('pg_ctl', ['-w', '-t', '60', '-D', dir, '-l', logFile, 'start'], { timeoutMs: 90_000 });
  if (started.code !== 0) {
    const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
    throw new DemoPostgresError(`demo database: cannot start PostgreSQL on 127.0.0.1:${port}: ${started.stderr.trim()}\n${tail}`);
  }
  if (fresh) {
    const psql = (db: string, sql: string) => run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', dir, '-p', String(port), '-U', 'postgres', '-d', db, '-c', sql]);
    const created = await psql('postgres', 'create database demo');
    const seeded = created.code === 0 ? await psql('demo', SEED) : created;
    if (seeded.code !== 0) throw new DemoPostgresError(`demo database: cannot create the demo data: ${seeded.stderr.trim()}`);
  }
  return {
    port,
    uri: `127.0.0.1:${port}`,
    async stop() {
      await runServerTool('pg_ctl', ['-D', dir, '-m', 'fast', '-w', 'stop'], { timeoutMs: 60_000 });
    },
  };
}
