import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCertAuthority, createCsr, generateKeyPair, signDbClientCertificate } from '@postern/pki';
import { run, startPostgres, type TestPostgres } from '@postern/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinAgent, newJoinToken, type JoinedAgent } from './helpers/agent';
import { startCluster, type Cluster } from './helpers/cluster';

/** psql as a database client that presents a certificate, as agents do. */
function psql(pgServer: TestPostgres, dir: string, user: string, certPem: string, keyPem: string) {
  const cert = path.join(dir, `${user}-${Date.now()}.crt`);
  const key = path.join(dir, `${user}-${Date.now()}.key`);
  writeFileSync(cert, certPem);
  writeFileSync(key, keyPem, { mode: 0o600 });
  chmodSync(key, 0o600);
  const conn = `host=127.0.0.1 port=${pgServer.port} user=${user} dbname=postgres sslmode=verify-full sslrootcert=${path.join(dir, 'server.cas')} sslcert=${cert} sslkey=${key}`;
  return run('psql', [conn, '-XAtc', 'select current_user'], { timeoutMs: 20_000, env: { ...process.env, PGCONNECT_TIMEOUT: '10' } });
}

describe('postern admin db sign configures a real PostgreSQL for certificate authentication', () => {
  let c: Cluster;
  let pgServer: TestPostgres;
  let agent: JoinedAgent;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'postern-dbsign-'));

  beforeAll(async () => {
    c = await startCluster({ auth: { second_factor: 'off' } });
    const signed = await c.postern(['admin', 'db', 'sign', '--host', '127.0.0.1,localhost', '--out', path.join(dir, 'server'), '--config', c.configFile]);
    expect(signed.code, signed.stderr).toBe(0);
    expect(signed.stdout).toContain("ssl_ca_file = '");
    expect(signed.stdout).toContain('hostssl all all 0.0.0.0/0 cert');
    pgServer = await startPostgres({
      tls: {
        serverCertPem: readFileSync(path.join(dir, 'server.crt'), 'utf8'),
        serverKeyPem: readFileSync(path.join(dir, 'server.key'), 'utf8'),
        clientCaPem: readFileSync(path.join(dir, 'server.cas'), 'utf8'),
      },
      certAuth: true,
    });
    await pgServer.query('create role alice login; create role bob login');
    agent = await joinAgent(c, await newJoinToken(c));
  });

  afterAll(async () => {
    await pgServer?.stop();
    await c?.stop();
  });

  it('writes the key readable by its owner only', () => {
    expect(statSync(path.join(dir, 'server.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(dir, 'server.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');
  });

  it('lets psql in with a DB Client CA certificate whose CN is the db user', async () => {
    const key = await generateKeyPair();
    const res = await agent.call('POST', '/certs/db-client', { csr: createCsr(key, 'alice'), db_user: 'alice', ttl: '10m' });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    const out = await psql(pgServer, dir, 'alice', res.json.certificate, key.privateKeyPem);
    expect(out.stderr).toBe('');
    expect(out.stdout.trim()).toBe('alice');
  });

  it('refuses a certificate for another db user, and one from another CA', async () => {
    const key = await generateKeyPair();
    const bobs = await agent.call('POST', '/certs/db-client', { csr: createCsr(key, 'bob'), db_user: 'bob', ttl: '10m' });
    const asAlice = await psql(pgServer, dir, 'alice', bobs.json.certificate, key.privateKeyPem);
    expect(asAlice.code).not.toBe(0);
    expect(asAlice.stderr).toMatch(/certificate authentication failed for user "alice"/);

    const otherCa = await createCertAuthority('db_client', 'test');
    const forged = signDbClientCertificate(otherCa, createCsr(key, 'alice'), 'alice', 600_000);
    const out = await psql(pgServer, dir, 'alice', forged, key.privateKeyPem);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/certificate|SSL/i);
    expect(out.stdout).not.toContain('alice');
  });

  it('gives database client certificates to agents only', async () => {
    const key = await generateKeyPair();
    const noAuth = await fetch(`${c.url}/api/v1/certs/db-client`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ csr: createCsr(key, 'alice'), db_user: 'postgres' }),
    });
    expect(noAuth.status).toBe(401);
  });
});
