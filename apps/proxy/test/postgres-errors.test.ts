import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCertAuthority, createCsr, generateKeyPair, signHostCertificate, signUserCertificate, type CertAuthority } from '@postern/pki';
import { freePort, run } from '@postern/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type RunningProxy } from '../src/start';

/**
 * What a PostgreSQL client is told when the proxy turns it away, before any agent is
 * involved, asserted on what real psql prints.
 */
describe('proxy: PostgreSQL clients turned away with a message they can act on', () => {
  let proxy: RunningProxy;
  let port: number;
  let userCa: CertAuthority;
  let hostCa: CertAuthority;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'proxy-errors-'));
  const write = (name: string, text: string) => {
    const f = path.join(dir, name);
    writeFileSync(f, text, { mode: 0o600 });
    chmodSync(f, 0o600);
    return f;
  };

  async function psqlWith(certPem: string | null, keyPem: string, opts: { user?: string; db?: string } = {}) {
    const id = Math.random().toString(36).slice(2);
    const parts = [`host=localhost port=${port} user=${opts.user ?? 'alice'} dbname=${opts.db ?? 'app'} sslmode=verify-full sslrootcert=${write(`ca-${id}.pem`, hostCa.certPem)}`];
    if (certPem) parts.push(`sslcert=${write(`c-${id}.crt`, certPem)} sslkey=${write(`c-${id}.key`, keyPem)}`);
    else parts.push(`sslcert=/nonexistent sslkey=/nonexistent`);
    return run('psql', [parts.join(' '), '-Xc', 'select 1'], { timeoutMs: 20_000, env: { ...process.env, PGCONNECT_TIMEOUT: '10' } });
  }

  beforeAll(async () => {
    userCa = await createCertAuthority('user', 'test');
    hostCa = await createCertAuthority('host', 'test');
    const key = await generateKeyPair();
    const certPem = signHostCertificate(hostCa, createCsr(key, 'proxy'), { hostId: 'proxy-1', hostname: 'localhost', role: 'proxy', dnsNames: ['localhost'], ips: ['127.0.0.1'] }, 3600_000);
    port = await freePort();
    proxy = await startProxy({
      listen: `127.0.0.1:${port}`,
      clusterName: 'test',
      identity: { hostId: 'proxy-1', keyPem: key.privateKeyPem, certPem, ca: { user: [userCa.certPem], host: [hostCa.certPem] } },
      webUrl: 'http://127.0.0.1:9',
      // The user's roles reach "demo" (registered, agent offline) and "sales".
      reachable: async () => ['demo', 'sales'],
    });
  });

  afterAll(async () => {
    await proxy?.close();
  });

  const route = (service: string) => ({ service, protocol: 'postgres' as const, username: 'alice', database: 'app' });

  async function cert(ca: CertAuthority, opts: { service?: string | null; ttlMs?: number; now?: Date } = {}) {
    const key = await generateKeyPair();
    const id = { username: 'alice', roles: ['dev'], traits: {}, ...(opts.service === null ? {} : { route: route(opts.service ?? 'demo') }) };
    return { certPem: signUserCertificate(ca, createCsr(key, 'alice'), id, opts.ttlMs ?? 3600_000, opts.now), keyPem: key.privateKeyPem };
  }

  it('no client certificate: says to run postern db login', async () => {
    const r = await psqlWith(null, '');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no client certificate/);
    expect(r.stderr).toMatch(/postern db login NAME/);
  });

  it('an expired certificate', async () => {
    const c = await cert(userCa, { ttlMs: 60_000, now: new Date(Date.now() - 3600_000) });
    const r = await psqlWith(c.certPem, c.keyPem);
    expect(r.stderr).toMatch(/expired/);
  });

  it('a certificate from another cluster', async () => {
    const c = await cert(await createCertAuthority('user', 'test'));
    const r = await psqlWith(c.certPem, c.keyPem);
    expect(r.stderr).toMatch(/not issued by this cluster|User CA/i);
  });

  it('a login certificate instead of a database certificate', async () => {
    const c = await cert(userCa, { service: null });
    const r = await psqlWith(c.certPem, c.keyPem);
    expect(r.stderr).toMatch(/login certificate, not a database certificate/);
  });

  it('a certificate for another db name than the client asks for', async () => {
    const c = await cert(userCa);
    const r = await psqlWith(c.certPem, c.keyPem, { db: 'other' });
    expect(r.stderr).toMatch(/this certificate is for database "demo" as db user "alice" and db name "app"/);
  });

  it('an unknown database names the ones the user may reach', async () => {
    const c = await cert(userCa, { service: 'ghost' });
    const r = await psqlWith(c.certPem, c.keyPem);
    expect(r.stderr).toMatch(/unknown database "ghost"/);
    expect(r.stderr).toMatch(/databases you can reach: demo, sales/);
  });

  it('no agent online for a known database', async () => {
    const c = await cert(userCa, { service: 'demo' });
    const r = await psqlWith(c.certPem, c.keyPem);
    expect(r.stderr).toMatch(/no agent is online for database "demo"/);
  });

  it('keeps serving: a plain-text client is told to use TLS', async () => {
    const r = await run('psql', [`host=127.0.0.1 port=${port} user=alice dbname=app sslmode=disable`, '-Xc', 'select 1'], { timeoutMs: 20_000 });
    expect(r.stderr).toMatch(/Postern requires TLS/);
  });
});
