import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startPostgres } from '../src/index';
import type { TestPostgres } from '../src/index';
import { issueCert, makeCa } from './openssl-certs';
import type { CertFiles } from './openssl-certs';

async function scalar(url: string, sql: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<Record<string, unknown>>(sql);
    const row = result.rows[0];
    return row ? Object.values(row)[0] : undefined;
  } finally {
    await client.end();
  }
}

describe('startPostgres without TLS', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  it('runs SQL as the superuser', async () => {
    expect(server.superuserUrl).toBe(`postgres://postgres@127.0.0.1:${server.port}/postgres`);
    await server.query('create table t (x int); insert into t values (42)');
    expect(await scalar(server.superuserUrl, 'select x from t')).toBe(42);
    expect(await scalar(server.superuserUrl, 'show max_connections')).toBe('300');
  });

  it('stop() removes the directory and may be called again', async () => {
    const other = await startPostgres();
    expect(existsSync(other.dataDir)).toBe(true);
    await other.stop();
    expect(existsSync(other.dataDir)).toBe(false);
    await other.stop();
    await expect(scalar(other.superuserUrl, 'select 1')).rejects.toThrow();
  });
});

describe('startPostgres with TLS and certificate authentication', () => {
  let dir: string;
  let server: TestPostgres;
  let ca: CertFiles;
  let alice: CertFiles;
  let foreignAlice: CertFiles;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postern-pg-certs-'));
    ca = await makeCa(dir, 'ca');
    const serverCert = await issueCert(dir, ca, 'server', { cn: '127.0.0.1', server: true });
    alice = await issueCert(dir, ca, 'alice', { cn: 'alice' });
    const otherCa = await makeCa(dir, 'other-ca');
    foreignAlice = await issueCert(dir, otherCa, 'foreign-alice', { cn: 'alice' });
    server = await startPostgres({
      tls: { serverCertPem: serverCert.certPem, serverKeyPem: serverCert.keyPem, clientCaPem: ca.certPem },
      certAuth: true,
    });
    await server.query('create role alice login');
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  function psql(conninfo: string): ReturnType<typeof run> {
    return run('psql', ['-X', '-At', conninfo, '-c', 'select current_user'], {
      env: { ...process.env, PGCONNECT_TIMEOUT: '10' },
      timeoutMs: 20_000,
    });
  }
  const base = (): string =>
    `host=127.0.0.1 port=${server.port} dbname=postgres user=alice sslmode=verify-ca sslrootcert=${ca.certFile}`;

  it('lets a client with a certificate from the client CA in as its CN', async () => {
    const result = await psql(`${base()} sslcert=${alice.certFile} sslkey=${alice.keyFile}`);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('alice');
  });

  it('refuses a certificate from another CA', async () => {
    const result = await psql(`${base()} sslcert=${foreignAlice.certFile} sslkey=${foreignAlice.keyFile}`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/unknown ca|certificate verify failed|certificate/i);
  });

  it('refuses an SSL client without a certificate', async () => {
    const result = await psql(`${base()} sslcert=/nonexistent sslkey=/nonexistent`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/certificate/i);
  });

  it('trusts only the postgres user over plain TCP', async () => {
    const result = await psql(`host=127.0.0.1 port=${server.port} dbname=postgres user=alice sslmode=disable`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/no pg_hba.conf entry/);
    expect(await scalar(server.superuserUrl, 'select current_user')).toBe('postgres');
  });
});
