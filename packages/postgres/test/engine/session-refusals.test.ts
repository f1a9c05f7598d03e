import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '@postern/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_UNAVAILABLE_MESSAGE, SqlState } from '../../src/index';
import { createTestPki } from '@postern/testing';
import { DB_NAME, startHarness } from '../helpers/harness';
import type { Harness } from '../helpers/harness';

// Every way a session is refused, seen from a real psql: the reason must reach the
// person, and the refusal must be audited.

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    setup: async (db) => {
      // bob must give a password: the one case where certificate authentication is not configured.
      await db.query("create role bob login password 'not-used'");
      const hba = join(db.dataDir, 'pg_hba.conf');
      const lines = (await readFile(hba, 'utf8')).split('\n');
      const certLine = lines.findIndex((l) => l.startsWith('hostssl'));
      lines.splice(certLine, 0, 'hostssl all bob 127.0.0.1/32 scram-sha-256');
      await writeFile(hba, lines.join('\n'));
      await db.query('select pg_reload_conf()');
    },
  });
  const created = await h.psql('create table ledger (n int)');
  expect(created.stderr).toBe('');
  await h.idle();
});
afterAll(async () => {
  await h?.stop();
});
beforeEach(() => {
  h.reset();
});

describe('PostgresEngine refusing sessions', () => {
  it('tells the client why authorize() denied it, and audits the denial', async () => {
    const reason = 'access to database "demo" is not allowed: your roles (dev) do not match its labels';
    h.config.authorize = async () => ({ allowed: false, reason });
    const result = await h.psql('select 1');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`FATAL:  ${reason}`);
    expect(await h.refusedStart()).toEqual({ event: 'db.session.start', success: false, error: reason });
  });

  it('refuses with an internal error when the access check itself fails', async () => {
    h.config.authorize = async () => {
      throw new Error('store down');
    };
    const result = await h.psql('select 1');
    expect(result.stderr).toMatch(/Postern could not check your access/);
    expect(JSON.stringify(h.logs)).toMatch(/store down/);
  });

  it('refuses a db user other than the route with the command that would fit', async () => {
    const result = await h.psql('select 1', { user: 'postgres' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('this certificate is for db user "alice" and database "appdb"');
    expect(result.stderr).toContain('postern db login demo --db-user postgres --db-name appdb');
    expect((await h.refusedStart()).error).toMatch(/not user "postgres"/);
  });

  it('refuses a database other than the route', async () => {
    const result = await h.psql('select 1', { dbname: 'postgres' });
    expect(result.stderr).toContain('--db-user alice --db-name postgres');
  });

  it('says which database is unreachable, and why', async () => {
    const port = await freePort();
    h.config.database = { ...h.config.database, uri: `127.0.0.1:${port}` };
    const result = await h.psql('select 1');
    expect(result.stderr).toContain(`database demo at 127.0.0.1:${port} is unreachable: ECONNREFUSED`);
    expect((await h.refusedStart()).error).toMatch(/unreachable: ECONNREFUSED/);
  });

  it('explains what to configure when the database asks for a password', async () => {
    h.config.route = { username: 'bob', database: DB_NAME };
    const result = await h.psql('select 1', { user: 'bob' });
    expect(result.stderr).toMatch(/the database asked for a password \(sasl\): configure pg_hba\.conf of demo with `hostssl .* bob .* cert`/);
    expect((await h.refusedStart()).success).toBe(false);
  });

  it("forwards the database's own refusal (a certificate for the wrong user)", async () => {
    h.config.credentials = () => h.pki.clientCert('mallory');
    const result = await h.psql('select 1');
    expect(result.stderr).toMatch(/FATAL: {2}certificate authentication failed for user "alice"/);
    expect((await h.refusedStart()).error).toMatch(/certificate authentication failed/);
  });

  it('refuses a database whose certificate is not from its configured CA', async () => {
    const foreign = await createTestPki();
    h.config.database = { ...h.config.database, caPem: foreign.ca.certPem };
    const result = await h.psql('select 1');
    expect(result.stderr).toMatch(/TLS with database demo at 127\.0\.0\.1:\d+ failed: .*(self[- ]signed|unable to verify|issuer)/i);
    expect(result.stderr).toMatch(/HINT: {2}check that the database certificate/);
  });

  it('verifies the database host name (localhost is in the certificate)', async () => {
    h.config.database = { ...h.config.database, uri: `localhost:${h.db.port}` };
    const result = await h.psql('select 7');
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('7');
  });

  it('refuses a database whose certificate does not name the address it is reached at', async () => {
    // 127.1 reaches 127.0.0.1, but TLS takes it for a host name, which the certificate does not carry.
    h.config.database = { ...h.config.database, uri: `127.1:${h.db.port}` };
    const result = await h.psql('select 1');
    expect(result.stderr).toMatch(/TLS with database demo at 127\.1:\d+ failed: Hostname\/IP does not match certificate's altnames: Host: 127\.1\. is not in the cert's altnames/);
    expect((await h.refusedStart()).error).toMatch(/does not match certificate's altnames/);
  });

  it('refuses to start a session it cannot audit', async () => {
    h.config.auditFails = (draft) => draft.event === 'db.session.start';
    const result = await h.psql('select 1');
    expect(result.stderr).toContain(AUDIT_UNAVAILABLE_MESSAGE);
    await h.idle();
    expect(h.sessions[0]!.audits).toEqual([]);
  });

  it('stops a session whose query cannot be audited, before the query runs', async () => {
    h.config.auditFails = (draft) => draft.event === 'db.session.query' && String(draft['db_query']).includes('ledger');
    const client = await h.connect();
    await client.query('select 1');
    const error = await client.query('insert into ledger values (99)').catch((err: unknown) => err as { code?: string; message: string });
    expect(error).toMatchObject({ code: SqlState.AuditUnavailable, message: AUDIT_UNAVAILABLE_MESSAGE });
    await h.idle();
    expect(h.sessions[0]!.audits.map((a) => a.event)).toEqual(['db.session.start', 'db.session.query', 'db.session.end']);
    // With the audit log back, a new session shows the insert never ran.
    h.config.auditFails = () => false;
    const check = await h.psql('select count(*) from ledger');
    expect(check.stdout.trim()).toBe('0');
  });
});
