import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startMariadb } from '../src/index';
import type { TestMariadb } from '../src/index';
import { issueCert, makeCa } from './openssl-certs';
import type { CertFiles } from './openssl-certs';

// One server with TLS, reached by the real mariadb client with certificates from an
// openssl CA: the harness must give the engine tests exactly this.

let dir: string;
let server: TestMariadb;
let ca: CertFiles;
let alice: CertFiles;
let mallory: CertFiles;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postern-mariadb-certs-'));
  ca = await makeCa(dir, 'ca');
  const serverCert = await issueCert(dir, ca, 'server', { cn: '127.0.0.1', server: true });
  alice = await issueCert(dir, ca, 'alice', { cn: 'alice' });
  mallory = await issueCert(dir, ca, 'mallory', { cn: 'mallory' });
  server = await startMariadb({ tls: { serverCertPem: serverCert.certPem, serverKeyPem: serverCert.keyPem, clientCaPem: ca.certPem } });
  await server.query("create user alice@'%' require subject '/CN=alice'; create database appdb; grant all on appdb.* to alice@'%'");
});
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

function mariadb(cert: CertFiles, sql: string): ReturnType<typeof run> {
  return run(
    'mariadb',
    ['--no-defaults', '-h127.0.0.1', `-P${server.port}`, '-ualice', `--ssl-ca=${ca.certFile}`, '--ssl-verify-server-cert',
      `--ssl-cert=${cert.certFile}`, `--ssl-key=${cert.keyFile}`, '-N', '-B', '-e', sql],
    { timeoutMs: 20_000 },
  );
}

describe('startMariadb', () => {
  it('runs SQL as root over the socket and reports its version and settings', async () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.version).toMatch(/^\d+\.\d+\.\d+-MariaDB/);
    await server.query('create table appdb.t (x int); insert into appdb.t values (42)');
    expect(await server.rows('select x from appdb.t')).toEqual([['42']]);
    expect(await server.rows('select @@max_connections, @@max_allowed_packet, @@bind_address')).toEqual([['300', String(64 * 1024 * 1024), '127.0.0.1']]);
    await expect(server.query('select * from no_such_table')).rejects.toThrow(/ERROR 1046|ERROR 1146/);
  });

  it('admits a REQUIRE SUBJECT user with its certificate over TLS, verified against the CA', async () => {
    const result = await mariadb(alice, "select current_user(), variable_value from information_schema.session_status where variable_name = 'Ssl_version'");
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toMatch(/^alice@%\tTLSv1\.[23]$/);
  });

  it('refuses a certificate whose subject does not match', async () => {
    const result = await mariadb(mallory, 'select 1');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/ERROR 1045 \(28000\).*Access denied for user 'alice'/);
  });

  it('stop() kills the server and removes its directory, and may be called again', async () => {
    expect(existsSync(server.dataDir)).toBe(true);
    await server.stop();
    expect(existsSync(server.dataDir)).toBe(false);
    await server.stop();
    const refused = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: server.port });
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
