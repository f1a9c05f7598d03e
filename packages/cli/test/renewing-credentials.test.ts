import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { saveDbLogin, type DbLoginRecord } from '../src/db/db-logins';
import { RenewingCredentials } from '../src/db/renewing-credentials';

describe('the certificate of a long-running proxy db', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'postern-renew-'));
  const caFile = path.join(home, 'host.pem');
  writeFileSync(caFile, 'CA');
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  const save = (expiresInMs: number, cert: string) => {
    const rec: DbLoginRecord = {
      db_service: 'demo',
      protocol: 'postgres',
      db_user: 'alice',
      db_name: 'app',
      host: 'localhost',
      port: 3080,
      expires: new Date(Date.now() + expiresInMs).toISOString(),
    };
    saveDbLogin(home, rec, 'KEY', cert);
  };

  it('is used as it is while current, and renewed once, however many connections ask, near its end', async () => {
    save(3600_000, 'CERT-1');
    let renewals = 0;
    const logs: string[] = [];
    const creds = new RenewingCredentials({
      home,
      name: 'demo',
      caFile,
      log: (l) => logs.push(l),
      renew: async () => {
        renewals++;
        await new Promise((r) => setTimeout(r, 20));
        save(3600_000, `CERT-${renewals + 1}`);
      },
    });
    expect(await creds.get()).toEqual({ certPem: 'CERT-1', keyPem: 'KEY', caPem: 'CA' });
    expect(renewals).toBe(0);

    save(30_000, 'CERT-1');
    const all = await Promise.all([creds.get(), creds.get(), creds.get()]);
    expect(renewals).toBe(1);
    expect(all.map((c) => c.certPem)).toEqual(['CERT-2', 'CERT-2', 'CERT-2']);
    expect(logs).toEqual([expect.stringMatching(/^renewed the certificate for demo; valid until /)]);
  });

  it('says once that the session has ended, and refuses an expired certificate', async () => {
    save(-1000, 'OLD');
    const logs: string[] = [];
    const creds = new RenewingCredentials({
      home,
      name: 'demo',
      caFile,
      log: (l) => logs.push(l),
      renew: async () => {
        throw new Error('your session expired: run `postern login`');
      },
    });
    await expect(creds.get()).rejects.toThrow(/has expired and could not be renewed/);
    await expect(creds.get()).rejects.toThrow(/has expired/);
    expect(logs).toEqual(['could not renew the certificate for demo: your session expired: run `postern login`']);
  });
});
